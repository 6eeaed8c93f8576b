using Stm32Boot.VirtualBoard;
using Stm32Boot.VirtualBoard.Peripherals;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// The independent watchdog as the option byte IWDG_SW = 0 runs it (RM0351 §32.3.2, "hardware watchdog"): started by
/// hardware at every reset with its reset values, prescaler /4 and reload 0xFFF, 512 ms at the LSI's 32 kHz. Until
/// the virtual board's option bytes select it, the start is made here, at every reset, through the model's key
/// register; and every refresh is recorded with the exception the core was in, so a test sees who refreshes.
/// </summary>
public sealed class HardwareWatchdog
{
    private readonly Board _board;

    public HardwareWatchdog(Board board)
    {
        _board = board;
        board.Machine.ResetOccurred += _ => Start();
        board.Peripherals.Iwdg.Refreshed += () => Refreshes.Add((board.NowPs, board.Machine.ReadCpu().Exception));
        if (board.Machine.PoweredOn) Start();
    }

    /// <summary>Every refresh: when, and the exception number the core was in (0: Thread mode, the main loop).</summary>
    public List<(ulong AtPs, int Exception)> Refreshes { get; } = new();

    /// <summary>Resets the watchdog caused, from IWDG_KR's expiry.</summary>
    public IEnumerable<ResetRecord> Resets => _board.Machine.Resets.Where(r => r.Reason.StartsWith("IWDG", StringComparison.Ordinal));

    public ulong PeriodPs => _board.Peripherals.Iwdg.TimeoutPs;

    private void Start() => _board.Peripherals.Iwdg.Write(0x00, 4, Iwdg.KeyStart);
}
