// Conversions between virtual-time picoseconds and the units RM0351 and DS10969 state their timings in.
namespace Stm32Boot.VirtualBoard.Peripherals;

public static class VirtualTime
{
    public const ulong PsPerSecond = 1_000_000_000_000;

    public static ulong Microseconds(double us) => (ulong)Math.Round(us * 1_000_000);

    public static ulong Milliseconds(double ms) => (ulong)Math.Round(ms * 1_000_000_000);

    /// Duration of count periods of a clock, rounded up so an event never fires before the hardware's edge.
    public static ulong Cycles(ulong count, uint hz) =>
        (ulong)(((UInt128)count * PsPerSecond + hz - 1) / hz);
}
