// How the emulated thumb drive is built: what its medium looks like to the host and how it behaves at power-up.
namespace Stm32Boot.VirtualBoard.Usb;

public sealed record UsbDriveOptions
{
    /// Logical units behind the one interface (GET MAX LUN answers LunCount - 1); LUN 0 holds the image, the
    /// others are empty card slots, as on a multi-card reader.
    public int LunCount { get; init; } = 1;

    /// Block length READ CAPACITY reports and READ(10) counts in; the image must hold whole blocks.
    public int SectorSize { get; init; } = 512;

    /// From VBUS on until the drive pulls D+ up and the host sees it connect.
    public ulong ConnectDelayPs { get; init; } = 10 * 1_000_000_000UL;

    /// From VBUS on, the medium answers NOT READY / "becoming ready" (TEST UNIT READY fails) for this long.
    public ulong StartUpPs { get; init; }

    internal void Validate()
    {
        if (LunCount is < 1 or > 16)
            throw new ArgumentOutOfRangeException(nameof(LunCount), LunCount, "A Bulk-Only drive has 1 to 16 logical units (BOT 1.0 §3.2).");
        if (SectorSize is not (512 or 1024 or 2048 or 4096))
            throw new ArgumentOutOfRangeException(nameof(SectorSize), SectorSize, "Sector sizes are 512, 1024, 2048 or 4096 bytes.");
    }
}
