// Power control (RM0351 §5.4). What the firmware can observe here: the backup-domain write protection (DBP), the
// core voltage range (VOS, which caps HCLK), the VDDUSB "supply valid" switch, and status flags that stay at the
// values of a board powered at 3.3 V without low-power modes.
namespace Stm32Boot.VirtualBoard.Peripherals;

public sealed class Pwr : MmioPeripheral
{
    public const uint BaseAddress = 0x4000_7000;

    private const uint PWR_CR1 = 0x00, PWR_CR2 = 0x04, PWR_CR3 = 0x08, PWR_CR4 = 0x0C, PWR_SR1 = 0x10,
        PWR_SR2 = 0x14, PWR_SCR = 0x18;

    private const uint PWR_CR1_LPMS = 7u << 0, PWR_CR1_DBP = 1u << 8, PWR_CR1_VOS = 3u << 9, PWR_CR1_LPR = 1u << 14;
    private const uint PWR_CR1_RESET = 1u << 9; // VOS = 01: range 1
    private const uint VOS_RANGE1 = 1, VOS_RANGE2 = 2;
    private const uint PWR_CR2_PVDE = 1u << 0, PWR_CR2_PLS = 7u << 1, PWR_CR2_PVME = 0xFu << 4,
        PWR_CR2_IOSV = 1u << 9, PWR_CR2_USV = 1u << 10;
    private const uint PWR_CR3_EWUP = 0x1Fu << 0, PWR_CR3_RRS = 1u << 8, PWR_CR3_APC = 1u << 10,
        PWR_CR3_EWF = 1u << 15;
    private const uint PWR_CR4_WP = 0x1Fu << 0, PWR_CR4_VBE = 1u << 8, PWR_CR4_VBRS = 1u << 9;
    private const uint PWR_SR2_REGLPS = 1u << 8, PWR_SR2_VOSF = 1u << 10;

    /// DS10969 §6.3.1: range 2 allows HCLK up to 26 MHz, range 1 up to 80 MHz.
    private const uint Range2MaxHclkHz = 26_000_000;
    /// Regulator settling after a VOS change: tens of microseconds on silicon (RM0351 §5.1.8).
    private static readonly ulong VoltageScalingPs = VirtualTime.Microseconds(20);

    private readonly Rcc _rcc;
    private readonly BackupDomain _backupDomain;
    private readonly VirtualTimer _voltageScaling;
    private uint _cr1, _cr2, _cr3, _cr4;

    public Pwr(IBoard board, Rcc rcc, BackupDomain backupDomain) : base(board, "PWR", BaseAddress, 0x400)
    {
        _rcc = rcc;
        _backupDomain = backupDomain;
        _voltageScaling = new VirtualTimer(board);
        rcc.ClocksChanged += CheckHclkFitsVoltageRange;
        Reset(ResetKind.PowerOn);
    }

    /// PWR_CR1.VOS changed: 1 or 2 (flash wait states depend on it, RM0351 §3.3.3).
    public event Action? VoltageRangeChanged;

    public int VoltageRange => (int)((_cr1 & PWR_CR1_VOS) >> 9);

    /// PWR_CR2.USV: VDDUSB declared valid, which OTG_FS needs before it works (RM0351 §5.1.3).
    public bool UsbSupplyValid => (_cr2 & PWR_CR2_USV) != 0;

    public override void Reset(ResetKind kind)
    {
        _voltageScaling.Cancel();
        _cr1 = PWR_CR1_RESET;
        _cr2 = 0;
        _cr3 = PWR_CR3_EWF;
        _cr4 = 0;
        _backupDomain.WritesEnabled = false;
    }

    private protected override bool IsInterfaceClocked(uint offset) => _rcc.IsClocked(ClockGate.Pwr);

    private protected override uint ReadRegister(uint offset)
    {
        switch (offset)
        {
            case PWR_CR1: return _cr1;
            case PWR_CR2: return _cr2;
            case PWR_CR3: return _cr3;
            case PWR_CR4: return _cr4;
            case PWR_SR1: return 0; // no wake-up event and no Standby: the board never enters low-power modes
            case PWR_SR2: return PWR_SR2_REGLPS | (_voltageScaling.Pending ? PWR_SR2_VOSF : 0);
            case PWR_SCR: return 0; // write-only
            default:
                Unmodelled(offset, "read");
                return 0;
        }
    }

    private protected override void WriteRegister(uint offset, uint value, uint mask)
    {
        switch (offset)
        {
            case PWR_CR1:
                WriteCr1(Merge(_cr1, value, mask) & (PWR_CR1_LPMS | PWR_CR1_DBP | PWR_CR1_VOS | PWR_CR1_LPR));
                break;
            case PWR_CR2:
                _cr2 = Merge(_cr2, value, mask) & (PWR_CR2_PVDE | PWR_CR2_PLS | PWR_CR2_PVME | PWR_CR2_IOSV | PWR_CR2_USV);
                break;
            case PWR_CR3:
                _cr3 = Merge(_cr3, value, mask) & (PWR_CR3_EWUP | PWR_CR3_RRS | PWR_CR3_APC | PWR_CR3_EWF);
                break;
            case PWR_CR4: _cr4 = Merge(_cr4, value, mask) & (PWR_CR4_WP | PWR_CR4_VBE | PWR_CR4_VBRS); break;
            case PWR_SR1 or PWR_SR2: break; // read-only
            case PWR_SCR: break; // clears wake-up/standby flags, which are never set here
            default: Unmodelled(offset, "write"); break;
        }
    }

    private void WriteCr1(uint next)
    {
        var vos = (next & PWR_CR1_VOS) >> 9;
        if (vos is not (VOS_RANGE1 or VOS_RANGE2))
        {
            Board.Fault($"PWR: PWR_CR1.VOS = {vos} is forbidden (RM0351 §5.4.1: 01 = range 1, 10 = range 2).");
            next = (next & ~PWR_CR1_VOS) | (_cr1 & PWR_CR1_VOS);
        }
        if ((next & PWR_CR1_LPR) != 0)
        {
            Board.Fault("PWR: PWR_CR1.LPR (low-power run) is not modelled by the virtual board.");
            next &= ~PWR_CR1_LPR;
        }
        var rangeChanged = ((next ^ _cr1) & PWR_CR1_VOS) != 0;
        _cr1 = next;
        _backupDomain.WritesEnabled = (next & PWR_CR1_DBP) != 0;
        if (!rangeChanged) return;
        _voltageScaling.ArmAfter(VoltageScalingPs, () => { });
        CheckHclkFitsVoltageRange();
        VoltageRangeChanged?.Invoke();
    }

    private void CheckHclkFitsVoltageRange()
    {
        if (_rcc.HclkHz <= Range2MaxHclkHz) return;
        if (VoltageRange == VOS_RANGE2)
            Board.Fault($"PWR: HCLK {_rcc.HclkHz} Hz in voltage range 2 (PWR_CR1.VOS = 10), which allows 26 MHz at " +
                        "most (DS10969 §6.3.1); select range 1 before raising the clock.");
        else if (_voltageScaling.Pending)
            Board.Fault($"PWR: HCLK raised to {_rcc.HclkHz} Hz while PWR_SR2.VOSF = 1; wait for the regulator " +
                        "to reach range 1 (RM0351 §5.1.8) before raising the clock.");
    }
}
