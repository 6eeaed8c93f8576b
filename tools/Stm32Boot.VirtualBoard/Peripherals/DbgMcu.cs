// Debug MCU configuration (RM0351 §48, DBGMCU registers): the device identity the firmware reads, plus the
// freeze bits for a debugger. No debugger ever halts the virtual core, so the freeze bits are stored and have no effect.
namespace Stm32Boot.VirtualBoard.Peripherals;

public sealed class DbgMcu : MmioPeripheral
{
    public const uint BaseAddress = 0xE004_2000;

    private const uint DBGMCU_IDCODE = 0x00, DBGMCU_CR = 0x04, DBGMCU_APB1FZR1 = 0x08, DBGMCU_APB1FZR2 = 0x0C,
        DBGMCU_APB2FZR = 0x10;

    /// REV_ID and DEV_ID of the board's chip (BoardDescription: revision 4 of the STM32L47x/L48x, RM0351 §48).
    public const uint IdCode = BoardDescription.IdCode;

    /// DBG_SLEEP, DBG_STOP, DBG_STANDBY, TRACE_IOEN, TRACE_MODE.
    private const uint DBGMCU_CR_WRITABLE = 0x0000_00E7;
    /// TIM2-7, RTC, WWDG, IWDG, I2C1-3, CAN1, LPTIM1 stop bits.
    private const uint DBGMCU_APB1FZR1_WRITABLE = 0x82E0_1C3F;
    /// LPTIM2 stop bit.
    private const uint DBGMCU_APB1FZR2_WRITABLE = 0x0000_0020;
    /// TIM1, TIM8, TIM15, TIM16, TIM17 stop bits.
    private const uint DBGMCU_APB2FZR_WRITABLE = 0x0007_2800;

    private uint _cr, _apb1fzr1, _apb1fzr2, _apb2fzr;

    public DbgMcu(IBoard board) : base(board, "DBGMCU", BaseAddress, 0x400) { }

    public override void Reset(ResetKind kind)
    {
        // The debug registers are reset by power-on only, not by a system reset (RM0351 §48).
        if (kind != ResetKind.PowerOn) return;
        _cr = _apb1fzr1 = _apb1fzr2 = _apb2fzr = 0;
    }

    private protected override uint ReadRegister(uint offset)
    {
        switch (offset)
        {
            case DBGMCU_IDCODE: return IdCode;
            case DBGMCU_CR: return _cr;
            case DBGMCU_APB1FZR1: return _apb1fzr1;
            case DBGMCU_APB1FZR2: return _apb1fzr2;
            case DBGMCU_APB2FZR: return _apb2fzr;
            default:
                Unmodelled(offset, "read");
                return 0;
        }
    }

    private protected override void WriteRegister(uint offset, uint value, uint mask)
    {
        switch (offset)
        {
            case DBGMCU_IDCODE: break; // read-only
            case DBGMCU_CR: _cr = Merge(_cr, value, mask) & DBGMCU_CR_WRITABLE; break;
            case DBGMCU_APB1FZR1: _apb1fzr1 = Merge(_apb1fzr1, value, mask) & DBGMCU_APB1FZR1_WRITABLE; break;
            case DBGMCU_APB1FZR2: _apb1fzr2 = Merge(_apb1fzr2, value, mask) & DBGMCU_APB1FZR2_WRITABLE; break;
            case DBGMCU_APB2FZR: _apb2fzr = Merge(_apb2fzr, value, mask) & DBGMCU_APB2FZR_WRITABLE; break;
            default: Unmodelled(offset, "write"); break;
        }
    }
}
