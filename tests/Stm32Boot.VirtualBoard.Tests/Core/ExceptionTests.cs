using Xunit;

namespace Stm32Boot.VirtualBoard.Tests.Core;

public sealed class ExceptionTests
{
    private const ulong Millisecond = 1_000_000_000;

    private static uint Result(Machine m, int i) => m.ReadWord(TestFirmware.ResultsBase + 4u * (uint)i);

    private static void RunToDone(Machine m, ulong limitPs = 100 * Millisecond)
    {
        var result = m.RunFor(limitPs, () => Result(m, 0) == 0xD0DE);
        Assert.Equal(StopReason.Condition, result.Reason);
    }

    [Fact]
    public void SysTick_interrupts_arrive_at_the_programmed_period_of_virtual_time()
    {
        // 4 MHz MSI after reset; LOAD 999 with the core clock = one tick every 250 µs.
        var fw = TestFirmware.Build("""
            volatile uint32_t ticks;
            void SysTick_Handler(void) { ticks++; RESULT[1] = ticks; }
            int main(void)
            {
                SYST_RVR = 999; SYST_CVR = 0; SYST_CSR = 7;
                for (;;) __asm volatile("wfi");
            }
            """);
        using var m = fw.Boot();
        m.RunFor(10 * Millisecond);
        // The first interrupt comes LOAD+1 ticks after enabling, so 10 ms hold 40 of them (start-up is a few µs).
        Assert.Equal(39u, Result(m, 1));
        m.RunFor(Millisecond);
        Assert.Equal(43u, Result(m, 1));
    }

    [Fact]
    public void SysTick_counter_counts_down_in_core_cycles_and_sets_COUNTFLAG()
    {
        var fw = TestFirmware.Build("""
            int main(void)
            {
                SYST_RVR = 0xFFFFFF; SYST_CVR = 0; SYST_CSR = 5;   // core clock, no interrupt
                for (volatile int i = 0; i < 10; i++) {}
                uint32_t a = SYST_CVR;
                for (volatile int i = 0; i < 100; i++) {}
                uint32_t b = SYST_CVR;
                RESULT[1] = a; RESULT[2] = b;
                SYST_RVR = 99; SYST_CVR = 0;
                while (!(SYST_CSR & (1u << 16))) {}
                RESULT[3] = SYST_CSR;   // COUNTFLAG cleared by the previous read
                RESULT[0] = 0xD0DE;
                for (;;) __asm volatile("wfi");
            }
            """);
        using var m = fw.Boot();
        RunToDone(m);
        var a = Result(m, 1);
        var b = Result(m, 2);
        Assert.True(a > b, $"SYST_CVR did not count down: {a} then {b}");
        Assert.InRange(a - b, 300u, 3000u); // a 100-iteration loop of a few instructions each
        Assert.Equal(0u, Result(m, 3) & (1u << 16));
    }

    [Fact]
    public void An_interrupted_loop_resumes_exactly_where_it_was_interrupted()
    {
        // Tight loops run as chained translation blocks, and Unicorn leaves the PC at the start of the last block
        // it entered otherwise (here: before the loop, where the peripheral write is); the return address must be
        // the interrupted block.
        var fw = TestFirmware.Build("""
            void SysTick_Handler(void) { RESULT[2]++; }
            __attribute__((noinline)) static void start_ticking(void) { SYST_RVR = 57; SYST_CVR = 0; SYST_CSR = 7; }
            int main(void)
            {
                RESULT[3]++;                                  // runs once unless main is re-entered
                start_ticking();
                RESULT[5]++;                                  // likewise, after the return from the call
                uint32_t sum = 0;
                for (uint32_t i = 0; i < 100000; i++) { sum += i ^ (sum >> 3); NVIC_IPR(5) = (uint8_t)i; }
                SYST_CSR = 0;
                RESULT[1] = sum;
                RESULT[0] = 0xD0DE;
                return 0;
            }
            """);
        using var m = fw.Boot();
        m.AddBreakpoint(0x0801_0000); // never reached; a code hook changes how Unicorn leaves the PC at a stop
        RunToDone(m, 1000 * Millisecond);
        uint sum = 0;
        for (uint i = 0; i < 100000; i++) sum += i ^ (sum >> 3);
        Assert.Equal(sum, Result(m, 1));
        Assert.Equal(1u, Result(m, 3));
        Assert.Equal(1u, Result(m, 5));
        Assert.True(Result(m, 2) > 1000, $"only {Result(m, 2)} SysTick interrupts");
    }

    [Fact]
    public void SVC_is_taken_at_once_and_a_pended_PendSV_runs_after_it_returns()
    {
        var fw = TestFirmware.Build("""
            volatile uint32_t n;
            void SVC_Handler(void) { RESULT[1 + n++] = 0x5C; SCB_ICSR = 1u << 28; RESULT[1 + n++] = 0x5D; }
            void PendSV_Handler(void) { RESULT[1 + n++] = 0xB5; }
            int main(void)
            {
                SCB_SHPR(14) = 0xF0;               // PendSV lowest
                __asm volatile("svc #3");
                RESULT[1 + n++] = 0x77;
                RESULT[0] = 0xD0DE;
                return 0;
            }
            """);
        using var m = fw.Boot();
        RunToDone(m);
        Assert.Equal([0x5Cu, 0x5Du, 0xB5u, 0x77u], Enumerable.Range(1, 4).Select(i => Result(m, i)).ToArray());
    }

    [Fact]
    public void A_higher_priority_interrupt_preempts_and_a_lower_one_waits()
    {
        var fw = TestFirmware.Build("""
            volatile uint32_t n;
            static void log(uint32_t v) { RESULT[1 + n++] = v; }
            // IRQ0 (0x80) pends IRQ1 (0x40): preempted at once; IRQ2 (0x40) pends IRQ3 (0x80): it waits.
            // DSB+ISB is what ARMv7-M requires before the pending state is guaranteed to have taken effect.
            void IRQ0_Handler(void) { log(0x10); NVIC_ISPR(0) = 1u << 1; __asm volatile("dsb; isb"); log(0x11); }
            void IRQ2_Handler(void) { log(0x20); NVIC_ISPR(0) = 1u << 3; __asm volatile("dsb; isb"); log(0x21); }
            void IRQ1_Handler(void) { log(0x1A); }
            void IRQ3_Handler(void) { log(0x3A); }
            int main(void)
            {
                NVIC_IPR(0) = 0x80; NVIC_IPR(1) = 0x40; NVIC_IPR(2) = 0x40; NVIC_IPR(3) = 0x80;
                NVIC_ISER(0) = 0xF;
                NVIC_ISPR(0) = 1u << 0;
                __asm volatile("dsb; isb");
                log(0x99);
                NVIC_ISPR(0) = 1u << 2;
                __asm volatile("dsb; isb");
                log(0x98);
                RESULT[0] = 0xD0DE;
                return 0;
            }
            """);
        using var m = fw.Boot();
        RunToDone(m);
        uint[] expected = [0x10, 0x1A, 0x11, 0x99, 0x20, 0x21, 0x3A, 0x98];
        Assert.Equal(expected, Enumerable.Range(1, expected.Length).Select(i => Result(m, i)).ToArray());
    }

    /// An interrupt line the firmware drives through a register, like a peripheral's status flag.
    private sealed class LinePeripheral(IBoard board) : IPeripheral
    {
        public string Name => "LINE";
        public uint Base => 0x4000_0800;
        public uint Size => 0x400;
        public uint Read(uint offset, int size) { board.Fault("LINE: read"); return 0; }
        public void Write(uint offset, int size, uint value) => board.SetIrqLevel(3, value != 0);
        public void Reset(ResetKind kind) { }
    }

    [Fact]
    public void A_level_interrupt_runs_again_only_while_its_line_stays_asserted()
    {
        var fw = TestFirmware.Build("""
            #define LINE REG(0x40000800)
            volatile uint32_t runs, mode;
            void IRQ3_Handler(void)
            {
                runs++;
                if (mode == 1) LINE = 0;                       // clears the cause: runs once
                if (mode == 2 && runs == 2) LINE = 0;          // leaves it asserted once: runs twice
                if (mode == 3) { LINE = 1; LINE = 0; }         // re-asserted while running, then cleared: once
            }
            int main(void)
            {
                NVIC_ISER(0) = 1u << 3;
                for (mode = 1; mode <= 3; mode++)
                {
                    runs = 0;
                    LINE = 1;
                    __asm volatile("dsb; isb; nop; nop");
                    RESULT[mode] = runs;
                }
                RESULT[0] = 0xD0DE;
                return 0;
            }
            """);
        using var m = new Machine();
        m.Attach(new LinePeripheral(m));
        m.LoadFlash(Machine.FlashBase, fw.Image);
        m.PowerOn();
        RunToDone(m);
        Assert.Equal([1u, 2u, 1u], new[] { Result(m, 1), Result(m, 2), Result(m, 3) });
    }

    [Fact]
    public void PRIMASK_holds_a_pending_interrupt_until_CPSIE()
    {
        var fw = TestFirmware.Build("""
            volatile uint32_t taken;
            void IRQ0_Handler(void) { taken++; }
            int main(void)
            {
                __asm volatile("cpsid i");
                NVIC_ISER(0) = 1; NVIC_ISPR(0) = 1;
                for (volatile int i = 0; i < 50; i++) {}
                RESULT[1] = taken;
                RESULT[2] = NVIC_ISPR(0);
                __asm volatile("cpsie i");
                __asm volatile("nop");
                RESULT[3] = taken;
                RESULT[0] = 0xD0DE;
                return 0;
            }
            """);
        using var m = fw.Boot();
        RunToDone(m);
        Assert.Equal(0u, Result(m, 1));
        Assert.Equal(1u, Result(m, 2));
        Assert.Equal(1u, Result(m, 3));
    }

    [Fact]
    public void VTOR_relocates_the_vector_table_to_SRAM()
    {
        var fw = TestFirmware.Build("""
            extern void (*const vectors[98])(void);
            __attribute__((aligned(512))) void (*ram_vectors[98])(void);
            volatile uint32_t ram_ticks;
            static void RamTick(void) { ram_ticks++; if (ram_ticks == 3) { SYST_CSR = 0; RESULT[1] = ram_ticks; RESULT[2] = SCB_VTOR; RESULT[0] = 0xD0DE; } }
            int main(void)
            {
                for (int i = 0; i < 98; i++) ram_vectors[i] = vectors[i];
                ram_vectors[15] = RamTick;
                SCB_VTOR = (uint32_t)ram_vectors;
                __asm volatile("dsb; isb");
                SYST_RVR = 399; SYST_CVR = 0; SYST_CSR = 7;
                for (;;) __asm volatile("wfi");
            }
            """);
        using var m = fw.Boot();
        RunToDone(m);
        Assert.Equal(3u, Result(m, 1));
        Assert.Equal(fw.Symbol("ram_vectors"), Result(m, 2));
        Assert.Equal(fw.Symbol("ram_vectors"), m.ReadCpu().Vtor);
    }

    [Fact]
    public void Floating_point_state_survives_an_interrupt_that_uses_the_FPU()
    {
        var fw = TestFirmware.Build("""
            volatile float sink;
            void SysTick_Handler(void) { float x = 3.0f; for (int i = 0; i < 5; i++) x = x * 1.5f - 0.25f; sink = x; }
            int main(void)
            {
                SYST_RVR = 37; SYST_CVR = 0; SYST_CSR = 7;   // interrupts every few dozen instructions
                float acc = 0.0f;
                for (int i = 1; i <= 2000; i++) acc += 1.0f / (float)i;
                SYST_CSR = 0;
                uint32_t bits;
                __builtin_memcpy(&bits, &acc, sizeof bits);
                RESULT[1] = bits;
                RESULT[0] = 0xD0DE;
                return 0;
            }
            """);
        using var m = fw.Boot();
        RunToDone(m);
        var expected = 0.0f;
        for (var i = 1; i <= 2000; i++) expected += 1.0f / i;
        Assert.Equal(BitConverter.SingleToUInt32Bits(expected), Result(m, 1));
    }
}
