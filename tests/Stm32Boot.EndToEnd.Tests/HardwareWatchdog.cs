using Stm32Boot.VirtualBoard;
using Stm32Boot.VirtualBoard.Peripherals;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// A board whose option byte IWDG_SW is 0 (RM0351 §32.3.2, "hardware watchdog"): the IWDG starts by hardware at every
/// reset with its reset values, prescaler /4 and reload 0xFFF, 512 ms at the LSI's 32 kHz, and only a reset stops it.
/// The option bytes are set as a programmer sets them, before power-on; every refresh is recorded with the exception
/// the core was in, so a test sees who refreshes.
/// </summary>
public sealed class HardwareWatchdog
{
    private readonly Board _board;

    public HardwareWatchdog(Board board)
    {
        if (board.Machine.PoweredOn)
            throw new InvalidOperationException("set up the hardware watchdog before power-on: option bytes load at power-on");
        _board = board;
        board.OptionBytes = board.OptionBytes with { Optr = board.OptionBytes.Optr & ~OptionBytes.IWDG_SW };
        board.Peripherals.Iwdg.Refreshed += () => Refreshes.Add((board.NowPs, board.Machine.ReadCpu().Exception));
    }

    /// <summary>Every refresh: when, and the exception number the core was in (0: Thread mode, the main loop).</summary>
    public List<(ulong AtPs, int Exception)> Refreshes { get; } = new();

    /// <summary>Resets the watchdog caused, from IWDG_KR's expiry.</summary>
    public IEnumerable<ResetRecord> Resets => _board.Machine.Resets.Where(r => r.Reason.StartsWith("IWDG", StringComparison.Ordinal));

    public ulong PeriodPs => _board.Peripherals.Iwdg.TimeoutPs;
}
