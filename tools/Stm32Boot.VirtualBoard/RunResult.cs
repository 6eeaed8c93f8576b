// What ended a Machine.Run call.
namespace Stm32Boot.VirtualBoard;

public enum StopReason
{
    /// The caller's condition became true.
    Condition,
    /// Virtual time reached the run's limit.
    TimeLimit,
    /// The CPU reached a breakpoint address (before executing that instruction).
    Breakpoint,
}

/// <param name="AtPs">virtual time when the run ended</param>
/// <param name="BreakpointAddress">the breakpoint reached, for StopReason.Breakpoint</param>
public sealed record RunResult(StopReason Reason, ulong AtPs, uint? BreakpointAddress = null);

/// One reset of the board, in virtual time.
public sealed record ResetRecord(ResetKind Kind, string Reason, ulong AtPs);
