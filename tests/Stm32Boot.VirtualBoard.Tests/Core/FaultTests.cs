using Xunit;

namespace Stm32Boot.VirtualBoard.Tests.Core;

public sealed class FaultTests
{
    private const ulong Millisecond = 1_000_000_000;

    private static BoardFaultException RunToFault(TestFirmware fw)
    {
        using var m = fw.Boot();
        return Assert.Throws<BoardFaultException>(() => m.RunFor(10 * Millisecond));
    }

    [Fact]
    public void An_unmapped_peripheral_read_names_the_address_the_size_and_the_exact_PC()
    {
        var fw = TestFirmware.Build("""
            int main(void)
            {
                uint32_t rng = 0x50060800;                  // RNG: not modelled
                __asm volatile(".global bad_load\nbad_load: ldr %0, [%0]" : "+r"(rng));
                RESULT[1] = rng;
                return 0;
            }
            """);
        var fault = RunToFault(fw);
        Assert.Contains("read of 4 byte(s) at 0x50060800", fault.Fault);
        Assert.Contains($"by the instruction at 0x{fw.Symbol("bad_load"):X8}", fault.Fault);
    }

    [Fact]
    public void An_unmapped_byte_write_is_reported_with_its_value()
    {
        var fw = TestFirmware.Build("""
            int main(void) { *(volatile uint8_t *)0xE0001004 = 0x5A; return 0; }   // DWT_CYCCNT: not modelled
            """);
        var fault = RunToFault(fw);
        Assert.Contains("write of 0x0000005A (1 byte(s)) at 0xE0001004", fault.Fault);
    }

    [Fact]
    public void An_unmodelled_register_inside_a_modelled_page_names_the_register_and_the_instruction()
    {
        var fw = TestFirmware.Build("""
            int main(void)
            {
                uint32_t demcr = 0xE000EDF0;                // DEMCR at +0xC: not modelled
                RESULT[2] = 1;
                __asm volatile(".global bad_read\nbad_read: ldr %0, [%0, #12]" : "+r"(demcr));
                RESULT[1] = demcr;
                return 0;
            }
            """);
        var fault = RunToFault(fw);
        Assert.Contains("unmodelled register at 0xE000EDFC", fault.Fault);
        Assert.Contains($"by the instruction at 0x{fw.Symbol("bad_read"):X8}", fault.Fault);
    }

    [Fact]
    public void An_undefined_instruction_stops_with_its_address()
    {
        var fw = TestFirmware.Build("""
            int main(void) { __asm volatile(".global bad_insn\nbad_insn: udf #7"); return 0; }
            """);
        var fault = RunToFault(fw);
        Assert.Contains($"0x{fw.Symbol("bad_insn"):X8}", fault.Fault);
        Assert.Contains("undefined instruction", fault.Fault);
    }

    [Fact]
    public void A_jump_to_nowhere_is_an_instruction_fetch_fault()
    {
        var fw = TestFirmware.Build("""
            int main(void) { ((void (*)(void))0x30000001)(); return 0; }
            """);
        var fault = RunToFault(fw);
        Assert.Contains("instruction fetch at 0x30000000", fault.Fault);
    }

    [Fact]
    public void An_unexpected_exception_reaches_the_BKPT_default_handler_and_is_reported()
    {
        var fw = TestFirmware.Build("""
            int main(void) { SCB_ICSR = 1u << 28; __asm volatile("dsb; isb"); return 0; }   // PendSV without a handler
            """);
        var fault = RunToFault(fw);
        Assert.Contains("BKPT instruction at", fault.Fault);
        Assert.Equal(14, fault.Cpu!.Exception);
    }

    [Fact]
    public void Asking_for_traps_the_emulator_cannot_deliver_is_refused_loudly()
    {
        var fw = TestFirmware.Build("""
            int main(void) { SCB_CCR |= 1u << 4; return 0; }   // DIV_0_TRP
            """);
        var fault = RunToFault(fw);
        Assert.Contains("DIV_0_TRP", fault.Fault);
    }

    [Fact]
    public void A_stack_pointer_outside_SRAM_at_exception_entry_is_reported()
    {
        var fw = TestFirmware.Build("""
            void SysTick_Handler(void) {}
            int main(void)
            {
                SYST_RVR = 100; SYST_CVR = 0; SYST_CSR = 7;
                __asm volatile("ldr r0, =0x30000000\n msr msp, r0\n 1: b 1b" ::: "r0");
                return 0;
            }
            """);
        var fault = RunToFault(fw);
        Assert.Contains("outside SRAM1/SRAM2", fault.Fault);
    }

    [Fact]
    public void After_a_fault_the_board_refuses_to_run_until_it_is_reset()
    {
        var fw = TestFirmware.Build("""
            int main(void) { __asm volatile("udf #1"); return 0; }
            """);
        using var m = fw.Boot();
        Assert.Throws<BoardFaultException>(() => m.RunFor(Millisecond));
        var again = Assert.Throws<BoardFaultException>(() => m.RunFor(Millisecond));
        Assert.Contains("earlier fault", again.Message);
        m.PowerOn();
        Assert.Throws<BoardFaultException>(() => m.RunFor(Millisecond));
    }
}
