using Xunit;

namespace Stm32Boot.VirtualBoard.Tests.Core;

/// Machine.Step, a debugger's single instruction step (DHCSR.C_STEP with C_MASKINTS, ARMv7-M ARM C1.6.2).
public sealed class StepTests
{
    private const ulong Millisecond = 1_000_000_000;

    private static readonly TestFirmware Counter = TestFirmware.Build("""
        void SysTick_Handler(void) { RESULT[2]++; }
        __attribute__((noinline)) void work(void) { RESULT[1]++; }
        int main(void)
        {
            SYST_RVR = 99; SYST_CVR = 0; SYST_CSR = 7;   // an interrupt every 100 cycles
            for (;;) work();
        }
        """);

    [Fact]
    public void A_step_executes_one_instruction_and_advances_time_by_it()
    {
        using var m = Counter.Boot();
        var work = Counter.Symbol("work");
        m.AddBreakpoint(work);
        Assert.Equal(StopReason.Breakpoint, m.RunFor(10 * Millisecond).Reason);
        m.RemoveBreakpoint(work);
        var pc = m.ReadRegister(CoreRegister.Pc);
        Assert.Equal(work & ~1u, pc);

        for (var i = 0; i < 5; i++)
        {
            var (instructions, cycles, before) = (m.Instructions, m.Cycles, m.ReadRegister(CoreRegister.Pc));
            Assert.True(m.Step(m.NowPs + Millisecond));
            Assert.Equal(instructions + 1, m.Instructions);
            Assert.Equal(cycles + 1, m.Cycles);
            Assert.NotEqual(before, m.ReadRegister(CoreRegister.Pc));
        }
    }

    [Fact]
    public void Steps_hold_a_pending_interrupt_off_and_a_breakpoint_at_the_PC_does_not_stop_them()
    {
        using var m = Counter.Boot();
        m.RunFor(Millisecond); // SysTick runs: RESULT[2] counts
        var work = Counter.Symbol("work");
        m.AddBreakpoint(work);
        Assert.Equal(StopReason.Breakpoint, m.RunFor(10 * Millisecond).Reason);
        var ticks = m.ReadWord(TestFirmware.ResultsBase + 8);
        var calls = m.ReadWord(TestFirmware.ResultsBase + 4);

        // 300 steps span three SysTick periods: none is taken, every step stays in thread mode.
        for (var i = 0; i < 300; i++)
        {
            Assert.True(m.Step(m.NowPs + Millisecond));
            Assert.Equal(0u, m.ReadRegister(CoreRegister.Xpsr) & 0x1FF);
        }
        Assert.Equal(ticks, m.ReadWord(TestFirmware.ResultsBase + 8));
        Assert.True(m.ReadWord(TestFirmware.ResultsBase + 4) > calls, "the steps went round the loop through the breakpoint");

        // Running again takes the pending SysTick at once.
        m.RemoveBreakpoint(work);
        m.RunFor(Millisecond / 100);
        Assert.True(m.ReadWord(TestFirmware.ResultsBase + 8) > ticks);
    }

    [Fact]
    public void Debug_reads_and_writes_reach_memory_and_peripheral_registers()
    {
        using var m = Counter.Boot();
        m.RunFor(Millisecond);
        Assert.Equal(Counter.Image[..8], m.DebugRead(Machine.FlashBase, 8));
        Assert.Equal(new byte[] { 99, 0, 0, 0 }, m.DebugRead(0xE000_E014, 4)); // SYST_RVR through the SCS model
        m.DebugWriteMemory(0xE000_E014, [199, 0, 0, 0]);
        Assert.Equal(199u, m.ReadWord(0xE000_E014));
        m.DebugWriteMemory(TestFirmware.ResultsBase + 0x40, [1, 2, 3]);
        Assert.Equal(new byte[] { 1, 2, 3 }, m.DebugRead(TestFirmware.ResultsBase + 0x40, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.DebugRead(0x6000_0000, 4));
        m.WriteRegister(CoreRegister.R5, 0xCAFE);
        Assert.Equal(0xCAFEu, m.ReadRegister(CoreRegister.R5));
        m.WriteFpuDouble(3, BitConverter.DoubleToUInt64Bits(2.5));
        Assert.Equal(2.5, BitConverter.UInt64BitsToDouble(m.ReadFpuDouble(3)));
    }
}
