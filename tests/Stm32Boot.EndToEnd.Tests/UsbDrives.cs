namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// One test's thumb drives and the HEX files on them, in a scratch directory under out/ that goes with the test.
/// Dispose the boards that read the drives first (a drive keeps its image open).
/// </summary>
public sealed class UsbDrives : IDisposable
{
    private readonly Scratch _scratch = new();
    private int _files;

    /// <summary>The image as an srec_cat HEX file on the PC, ready to copy onto a drive.</summary>
    public string Hex(MemoryImage image, int recordLength = 16) =>
        HexFiles.Write(image, _scratch.File($"update{++_files}.hex"), recordLength);

    /// <summary>A freshly formatted, empty drive (logical sectors of 512 bytes, as the drive's own, unless told).</summary>
    public UsbDisk Formatted(int fatBits = 12, bool partitioned = false, int logicalSectorSize = UsbDisk.SectorSize) =>
        UsbDisk.Format(_scratch.File($"drive{++_files}.img"), fatBits, partitioned, logicalSectorSize);

    /// <summary>A formatted drive holding the image as one HEX file, by default of the name the bootloader looks for
    /// first (UsbFirmwareName).</summary>
    public UsbDisk WithFirmware(MemoryImage image, string? fileName = null, int fatBits = 12, bool partitioned = false) =>
        Formatted(fatBits, partitioned).Copy(Hex(image), fileName ?? Shipped.Settings.UsbFirmwareName.Value);

    /// <summary>A blank drive: all zeros, neither partition table nor file system.</summary>
    public string Unformatted() => UsbDisk.Unformatted(_scratch.File($"blank{++_files}.img"));

    public void Dispose() => _scratch.Dispose();
}
