using Xunit;

namespace Stm32Boot.VirtualBoard.Tests.Core;

/// <summary>The NMI (exception 2): fixed priority -2, above PRIMASK and FAULTMASK, level-sensitive on its sources.</summary>
public sealed class NmiTests
{
    private const ulong Millisecond = 1_000_000_000;

    private static uint Result(Machine m, int i) => m.ReadWord(TestFirmware.ResultsBase + 4u * (uint)i);

    [Fact]
    public void NMIPENDSET_enters_the_NMI_handler_at_once_even_with_PRIMASK_and_FAULTMASK_set()
    {
        var fw = TestFirmware.Build("""
            volatile uint32_t step;
            void NMI_Handler(void)
            {
                uint32_t primask, faultmask, ipsr;
                __asm volatile("mrs %0, primask\n mrs %1, faultmask\n mrs %2, ipsr" : "=r"(primask), "=r"(faultmask), "=r"(ipsr));
                RESULT[1] = ++step;
                RESULT[2] = ipsr;
                RESULT[3] = primask | faultmask << 1;
            }
            int main(void)
            {
                __asm volatile("cpsid i\n cpsid f" ::: "memory");
                SCB_ICSR = 1u << 31;                    // NMIPENDSET
                __asm volatile("dsb\n isb" ::: "memory");
                RESULT[4] = ++step;                     // 2 only if the handler ran first
                RESULT[0] = 0xD0DE;
                return 0;
            }
            """);
        using var m = fw.Boot();
        var result = m.RunFor(10 * Millisecond, () => Result(m, 0) == 0xD0DE);

        Assert.Equal(StopReason.Condition, result.Reason);
        Assert.Equal(1u, Result(m, 1));
        Assert.Equal(2u, Result(m, 2));                  // IPSR = NMI
        Assert.Equal(3u, Result(m, 3));                  // both masks were set while it ran
        Assert.Equal(2u, Result(m, 4));
    }

    [Fact]
    public void The_NMI_preempts_a_running_handler_and_pended_inside_itself_runs_after_its_own_return()
    {
        var fw = TestFirmware.Build("""
            static volatile uint32_t n, nmis;
            static void note(uint32_t v) { RESULT[1 + n++] = v; }
            void NMI_Handler(void)
            {
                uint32_t entry = ++nmis;
                note(0xA0 + entry);
                if (entry == 1) { SCB_ICSR = 1u << 31; __asm volatile("dsb\n isb" ::: "memory"); }
                note(0xB0 + entry);
            }
            void SVC_Handler(void)                       // priority 0, the highest a handler can have
            {
                note(0x5C);
                SCB_ICSR = 1u << 31;
                __asm volatile("dsb\n isb" ::: "memory");
                note(0x5D);
            }
            int main(void)
            {
                __asm volatile("svc #0");
                RESULT[0] = 0xD0DE;
                return 0;
            }
            """);
        using var m = fw.Boot();
        m.RunFor(10 * Millisecond, () => Result(m, 0) == 0xD0DE);

        Assert.Equal([0x5Cu, 0xA1u, 0xB1u, 0xA2u, 0xB2u, 0x5Du], Enumerable.Range(1, 6).Select(i => Result(m, i)));
    }
}
