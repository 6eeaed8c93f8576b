// The RTC block (RM0351 §38) as far as the firmware uses it: the 32 backup registers RTC_BKP0R..RTC_BKP31R and the
// write-protection key register. The backup registers live in the backup domain: a system reset keeps them, a
// power cycle loses them (the board has no battery on VBAT), RCC_BDCR.BDRST clears them, and writes need
// PWR_CR1.DBP = 1 - without it silicon drops them silently, and so does this model. Neither reads nor writes need
// the RTC clock (RCC_BDCR.RTCEN): the registers are plain VBAT-domain storage.
namespace Stm32Boot.VirtualBoard.Peripherals;

public sealed class RtcBackup : MmioPeripheral
{
    public const uint BaseAddress = 0x4000_2800;
    public const int RegisterCount = 32;

    private const uint RTC_WPR = 0x24, RTC_BKP0R = 0x50;
    private const uint RTC_BKP31R = RTC_BKP0R + 4 * (RegisterCount - 1);

    private readonly BackupDomain _backupDomain;
    private readonly uint[] _backup = new uint[RegisterCount];

    public RtcBackup(IBoard board, BackupDomain backupDomain) : base(board, "RTC", BaseAddress, 0x400)
    {
        _backupDomain = backupDomain;
        backupDomain.DomainReset += () => Array.Clear(_backup);
    }

    /// RTC_BKPxR as the firmware would read it (tests and the board inspect boot requests with it).
    public uint this[int index] => _backup[index];

    public override void Reset(ResetKind kind)
    {
        if (kind == ResetKind.PowerOn) Array.Clear(_backup);
    }

    private protected override uint ReadRegister(uint offset)
    {
        if (offset is >= RTC_BKP0R and <= RTC_BKP31R) return _backup[(offset - RTC_BKP0R) / 4];
        if (offset == RTC_WPR) return 0; // the key register always reads 0 (RM0351 §38.6.9)
        Unmodelled(offset, "read");
        return 0;
    }

    private protected override void WriteRegister(uint offset, uint value, uint mask)
    {
        if (offset is >= RTC_BKP0R and <= RTC_BKP31R)
        {
            if (!_backupDomain.WritesEnabled) return;
            var index = (offset - RTC_BKP0R) / 4;
            _backup[index] = Merge(_backup[index], value, mask);
            return;
        }
        // The 0xCA/0x53 key sequence unlocks the calendar registers, which this model does not implement; the
        // backup registers do not depend on it (RM0351 §38.3.10), so the key is accepted and has no effect.
        if (offset == RTC_WPR) return;
        Unmodelled(offset, "write");
    }
}
