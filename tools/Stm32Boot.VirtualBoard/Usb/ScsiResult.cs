// What a SCSI command did: GOOD or CHECK CONDITION (the details wait in the sense data), and what it moves in its
// data-in phase: bytes it made, or a range of the medium.
namespace Stm32Boot.VirtualBoard.Usb;

internal readonly record struct ScsiResult(bool Good, ScsiData? Data);

/// What a command moves in its data-in phase: bytes it made, or a range of the medium.
internal sealed class ScsiData
{
    private readonly byte[]? _bytes;
    private readonly DiskImage? _image;
    private readonly long _mediumOffset;

    private ScsiData(byte[]? bytes, DiskImage? image, long mediumOffset, long length)
    {
        _bytes = bytes;
        _image = image;
        _mediumOffset = mediumOffset;
        Length = length;
    }

    public long Length { get; }

    /// Sector size when the data comes from the medium (it arrives a sector at a time), else null.
    public int? SectorSize => _image?.SectorSize;

    /// At most allocationLength bytes of what the command made (the allocation length of the CDB).
    public static ScsiData Bytes(byte[] bytes, int allocationLength) => new(bytes, null, 0, Math.Min(bytes.Length, allocationLength));

    public static ScsiData Medium(DiskImage image, long lba, long blocks) =>
        new(null, image, lba * image.SectorSize, blocks * image.SectorSize);

    public void CopyTo(long offset, Span<byte> destination)
    {
        if (_bytes is not null) _bytes.AsSpan((int)offset, destination.Length).CopyTo(destination);
        else _image!.Read(_mediumOffset + offset, destination);
    }
}
