using System.Diagnostics;
using Xunit;

namespace Stm32Boot.VirtualBoard.Tests.Core;

public sealed class TimeTests
{
    private const ulong Millisecond = 1_000_000_000;

    [Fact]
    public void WFI_sleeps_through_virtual_time_without_executing_it()
    {
        var fw = TestFirmware.Build("""
            void SysTick_Handler(void) { RESULT[1]++; }
            int main(void)
            {
                SYST_RVR = 3999; SYST_CVR = 0; SYST_CSR = 7;   // 1 ms at 4 MHz
                for (;;) __asm volatile("wfi");
            }
            """);
        using var m = fw.Boot();
        var wall = Stopwatch.StartNew();
        m.RunFor(10_000 * Millisecond);

        Assert.InRange(m.ReadWord(TestFirmware.ResultsBase + 4), 9_999u, 10_000u);
        // 10 s at 4 MHz would be 40 M cycles; asleep, only the handlers execute.
        Assert.True(m.Instructions < 300_000, $"{m.Instructions} instructions executed");
        Assert.True(m.Cycles >= 40_000_000, $"{m.Cycles} cycles passed");
        Assert.True(wall.Elapsed < TimeSpan.FromSeconds(20), $"took {wall.Elapsed}");
    }

    [Fact]
    public void A_polling_loop_is_skipped_to_the_event_it_waits_for()
    {
        var fw = TestFirmware.Build("""
            int main(void)
            {
                REG(0x40000000) = 1;                       // start: STATUS becomes 1 after 50 ms
                while (REG(0x40000004) == 0) {}
                RESULT[1] = SYST_CVR;
                RESULT[0] = 0xD0DE;
                return 0;
            }
            """);
        ulong Run(bool fastForward, out ulong doneAt, out int reads)
        {
            using var m = new Machine { PollFastForward = fastForward };
            var delay = new DelayPeripheral(m, 50 * Millisecond);
            m.Attach(delay);
            m.LoadFlash(Machine.FlashBase, fw.Image);
            m.PowerOn();
            doneAt = m.RunFor(100 * Millisecond, () => m.ReadWord(TestFirmware.ResultsBase) == 0xD0DE).AtPs;
            reads = delay.Reads;
            return m.Instructions;
        }

        var spun = Run(false, out var spunAt, out var spunReads);
        var skipped = Run(true, out var skippedAt, out var skippedReads);

        Assert.True(spunReads > 10_000, $"spinning polled only {spunReads} times");
        Assert.True(skippedReads < 10, $"fast-forward still polled {skippedReads} times");
        Assert.True(skipped * 100 < spun, $"{skipped} instructions with fast-forward vs {spun} spinning");
        // Same virtual time either way, to within one loop iteration (a few cycles at 4 MHz).
        Assert.InRange((long)skippedAt - (long)spunAt, -10_000_000L, 10_000_000L);
        Assert.InRange(skippedAt, 50 * Millisecond, 51 * Millisecond);
    }

    [Fact]
    public void A_polling_loop_with_a_timeout_counter_is_not_skipped_so_the_timeout_fires()
    {
        var fw = TestFirmware.Build("""
            int main(void)
            {
                REG(0x40000000) = 1;                       // STATUS becomes 1 after 50 ms: too late
                uint32_t timeout = 20000;                  // a few ms of polling at 4 MHz
                while (REG(0x40000004) == 0 && --timeout) {}
                RESULT[1] = timeout == 0 ? 0x7100 : 0x600D;
                RESULT[0] = 0xD0DE;
                return 0;
            }
            """);
        using var m = new Machine();
        m.Attach(new DelayPeripheral(m, 50 * Millisecond));
        m.LoadFlash(Machine.FlashBase, fw.Image);
        m.PowerOn();
        var done = m.RunFor(100 * Millisecond, () => m.ReadWord(TestFirmware.ResultsBase) == 0xD0DE);

        Assert.Equal(0x7100u, m.ReadWord(TestFirmware.ResultsBase + 4));
        Assert.True(done.AtPs < 50 * Millisecond);
    }

    [Fact]
    public void The_same_firmware_runs_the_same_instructions_at_the_same_virtual_times()
    {
        var fw = TestFirmware.Build("""
            volatile uint32_t x = 12345;
            void SysTick_Handler(void) { RESULT[1]++; x = x * 1103515245u + 12345u; }
            void IRQ2_Handler(void) { RESULT[2]++; REG(0x40000000) = 1; }
            int main(void)
            {
                NVIC_ISER(0) = 1u << 2;
                SYST_RVR = 1234; SYST_CVR = 0; SYST_CSR = 7;
                REG(0x40000000) = 1;
                for (;;) { for (volatile int i = 0; i < (int)(x & 0xFF); i++) {} __asm volatile("wfi"); }
            }
            """);
        (List<string> Trace, ulong Instructions, ulong Now) Run()
        {
            var trace = new List<string>();
            using var m = new Machine { Trace = trace.Add };
            m.Attach(new DelayPeripheral(m, 777_777_777));
            m.LoadFlash(Machine.FlashBase, fw.Image);
            m.PowerOn();
            m.RunFor(50 * Millisecond);
            return (trace, m.Instructions, m.NowPs);
        }

        var first = Run();
        var second = Run();
        Assert.True(first.Trace.Count > 200, $"only {first.Trace.Count} trace lines");
        Assert.Equal(first.Instructions, second.Instructions);
        Assert.Equal(first.Now, second.Now);
        Assert.Equal(first.Trace, second.Trace);
    }
}
