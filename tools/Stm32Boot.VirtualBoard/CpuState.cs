// A snapshot of the core for tests and fault reports: registers plus the system state a boot hand-over must set.
namespace Stm32Boot.VirtualBoard;

public sealed record CpuState
{
    public required uint[] R { get; init; }
    public uint Sp => R[13];
    public uint Lr => R[14];
    public uint Pc => R[15];
    public required uint Xpsr { get; init; }
    public required uint Msp { get; init; }
    public required uint Psp { get; init; }
    public required uint Control { get; init; }
    public required bool Primask { get; init; }
    public required byte Basepri { get; init; }
    public required bool Faultmask { get; init; }
    /// The exception being handled (IPSR), 0 in Thread mode.
    public required int Exception { get; init; }
    public required uint Vtor { get; init; }
    /// SYST_CSR without its clear-on-read side effect, SYST_RVR, SYST_CVR.
    public required uint SysTickCtrl { get; init; }
    public required uint SysTickLoad { get; init; }
    public required uint SysTickVal { get; init; }
    /// NVIC_ISER0..2 and NVIC_ISPR0..2 (IRQ 0..81).
    public required uint[] NvicIser { get; init; }
    public required uint[] NvicIspr { get; init; }
    /// Pending system exceptions (ICSR: PendSV, SysTick).
    public required bool PendSvPending { get; init; }
    public required bool SysTickPending { get; init; }
    public required ulong AtPs { get; init; }

    public override string ToString()
    {
        var regs = string.Join(" ", Enumerable.Range(0, 13).Select(i => $"R{i}=0x{R[i]:X8}"));
        return $"PC=0x{Pc:X8} SP=0x{Sp:X8} LR=0x{Lr:X8} xPSR=0x{Xpsr:X8} MSP=0x{Msp:X8} PSP=0x{Psp:X8} CONTROL=0x{Control:X} " +
               $"PRIMASK={(Primask ? 1 : 0)} BASEPRI=0x{Basepri:X2} FAULTMASK={(Faultmask ? 1 : 0)} IPSR={Exception} VTOR=0x{Vtor:X8}\n{regs}";
    }
}
