// The drive's medium: a disk image file of whole sectors (what `mkfs.vfat -C`, `dd` or `sfdisk` make), read through
// a FileStream. It is opened read-only: the drive is write-protected, and a bootloader never writes to it.
namespace Stm32Boot.VirtualBoard.Usb;

public sealed class DiskImage : IDisposable
{
    /// Reads go through a chunk cache: a bulk transfer asks for 64 bytes at a time.
    private const int ChunkSize = 64 * 1024;

    private readonly FileStream _stream;
    private readonly byte[] _chunk = new byte[ChunkSize];
    private long _chunkOffset = -1;
    /// Sectors that read otherwise than the file from now on (ReplaceSector), by sector number.
    private readonly Dictionary<long, byte[]> _replaced = new();

    public DiskImage(string path, int sectorSize)
    {
        if (!File.Exists(path))
            throw new ArgumentException($"{path}: no such disk image. Make one, e.g. `mkfs.vfat -C {path} 8192`.");
        _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (_stream.Length == 0 || _stream.Length % sectorSize != 0)
        {
            var length = _stream.Length;
            _stream.Dispose();
            throw new ArgumentException($"{path}: {length} bytes is not a whole, non-zero number of {sectorSize}-byte " +
                                        "sectors; a disk image holds whole sectors (pad it, or make it with mkfs.vfat -C).");
        }
        Path = path;
        SectorSize = sectorSize;
        SectorCount = _stream.Length / sectorSize;
    }

    public string Path { get; }
    public int SectorSize { get; }
    public long SectorCount { get; }

    /// From now on the sector reads as data (SectorSize bytes); the file is left as it is.
    public void ReplaceSector(long sector, byte[] data)
    {
        if (sector < 0 || sector >= SectorCount || data.Length != SectorSize)
            throw new ArgumentException($"sector {sector} of {SectorCount} with {data.Length} bytes: the replacement is one whole sector of the image ({SectorSize} bytes).");
        _replaced[sector] = (byte[])data.Clone();
    }

    /// Bytes of the medium from byteOffset; the caller stays inside the image.
    public void Read(long byteOffset, Span<byte> destination)
    {
        var start = byteOffset;
        var all = destination;
        ReadFile(byteOffset, destination);
        foreach (var (sector, data) in _replaced)
        {
            var from = Math.Max(start, sector * SectorSize);
            var to = Math.Min(start + all.Length, (sector + 1) * SectorSize);
            if (from < to) data.AsSpan((int)(from - sector * SectorSize), (int)(to - from)).CopyTo(all[(int)(from - start)..]);
        }
    }

    private void ReadFile(long byteOffset, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            var chunkOffset = byteOffset - byteOffset % ChunkSize;
            if (chunkOffset != _chunkOffset)
            {
                _stream.Position = chunkOffset;
                _stream.ReadAtLeast(_chunk, (int)Math.Min(ChunkSize, _stream.Length - chunkOffset));
                _chunkOffset = chunkOffset;
            }
            var inChunk = (int)(byteOffset - chunkOffset);
            var count = Math.Min(destination.Length, ChunkSize - inChunk);
            _chunk.AsSpan(inChunk, count).CopyTo(destination);
            destination = destination[count..];
            byteOffset += count;
        }
    }

    public void Dispose() => _stream.Dispose();
}
