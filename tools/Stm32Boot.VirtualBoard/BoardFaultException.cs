// The firmware faulted, or did something the virtual board does not model: the run stops here, loudly.
namespace Stm32Boot.VirtualBoard;

public sealed class BoardFaultException(string message, CpuState? cpu, ulong atPs)
    : Exception(cpu is null ? $"{message} (at {atPs / 1_000_000.0:F3} µs virtual)" : $"{message} (at {atPs / 1_000_000.0:F3} µs virtual)\n{cpu}")
{
    /// The fault itself, without the CPU dump.
    public string Fault { get; } = message;
    public CpuState? Cpu { get; } = cpu;
    public ulong AtPs { get; } = atPs;
}
