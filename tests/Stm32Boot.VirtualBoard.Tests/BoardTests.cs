// The board composition: STM32L475 models on the core, LEDs and reset causes as wired on the B-L475E-IOT01A, and
// power cuts injected between flash operations.
using Stm32Boot.VirtualBoard.Tests.Core;
using Xunit;

namespace Stm32Boot.VirtualBoard.Tests;

public sealed class BoardTests
{
    private static Board Boot(TestFirmware firmware)
    {
        var board = new Board();
        board.Machine.LoadFlash(Machine.FlashBase, firmware.Image);
        board.PowerOn();
        return board;
    }

    private static uint Result(Board board, int i) => board.Read(TestFirmware.ResultsBase + 4u * (uint)i);

    [Fact]
    public void LED1_edges_are_recorded_in_virtual_time()
    {
        var fw = TestFirmware.Build("""
            void SysTick_Handler(void)
            {
                if (++RESULT[1] > 4) { SYST_CSR = 0; RESULT[0] = 0xD0DE; return; }
                REG(0x48000018) = (REG(0x48000014) & (1u << 5)) ? (1u << 21) : (1u << 5);   // GPIOA_BSRR: toggle PA5
            }
            int main(void)
            {
                REG(0x4002104C) |= 1u << 0;                                   // RCC_AHB2ENR.GPIOAEN
                REG(0x48000000) = (REG(0x48000000) & ~(3u << 10)) | (1u << 10); // PA5 output
                SYST_RVR = 3999; SYST_CVR = 0; SYST_CSR = 7;                  // 1 ms at 4 MHz
                for (;;) __asm volatile("wfi");
            }
            """);
        using var board = Boot(fw);
        board.RunFor(10 * Board.Millisecond, () => Result(board, 0) == 0xD0DE);

        var edges = board.Led1Edges.ToList();
        Assert.Equal([true, false, true, false], edges.Select(e => e.Level));
        for (var i = 1; i < edges.Count; i++)
            Assert.InRange(edges[i].AtPs - edges[i - 1].AtPs, Board.Millisecond - Board.Microsecond, Board.Millisecond + Board.Microsecond);
        Assert.False(board.Led1);
    }

    [Fact]
    public void A_software_reset_sets_SFTRSTF_and_PINRSTF_in_RCC_CSR()
    {
        var fw = TestFirmware.Build("""
            __attribute__((section(".noinit"))) volatile uint32_t boots;
            int main(void)
            {
                if (boots++ == 0) { RESULT[1] = REG(0x40021094); SCB_AIRCR = (0x05FAu << 16) | (1u << 2); for (;;) {} }
                RESULT[2] = REG(0x40021094);
                RESULT[0] = 0xD0DE;
                return 0;
            }
            """);
        using var board = Boot(fw);
        board.RunFor(10 * Board.Millisecond, () => Result(board, 0) == 0xD0DE);

        const uint PINRSTF = 1u << 26, BORRSTF = 1u << 27, SFTRSTF = 1u << 28;
        Assert.Equal(PINRSTF | BORRSTF, Result(board, 1) & 0xFF00_0000);
        Assert.Equal(PINRSTF | BORRSTF | SFTRSTF, Result(board, 2) & 0xFF00_0000);
    }

    [Fact]
    public void Each_kind_of_reset_leaves_its_own_flags_in_RCC_CSR_with_PINRSTF_as_RM0351_describes()
    {
        // RM0351 §6.1.2: every internal reset also drives NRST, so PINRSTF comes with each; §6.4.30: the flags stay
        // until RMVF. Every boot records the flags in RESULT[1 + boot] and clears them; boot 1 resets by software,
        // boot 2 starts the IWDG and lets it expire (512 ms with its reset values).
        var fw = TestFirmware.Build("""
            int main(void)
            {
                uint32_t boot = RESULT[0]++;
                RESULT[1 + boot] = REG(0x40021094) & 0xFF000000u;
                REG(0x40021094) |= 1u << 23;
                if (boot == 1) SCB_AIRCR = (0x05FAu << 16) | (1u << 2);
                if (boot == 2) REG(0x40003000) = 0xCCCC;
                for (;;) __asm volatile("wfi");
            }
            """);
        using var board = Boot(fw);
        board.RunFor(Board.Millisecond);
        board.PressResetButton();
        board.RunFor(Board.Second, () => Result(board, 0) == 4);

        const uint PINRSTF = 1u << 26, BORRSTF = 1u << 27, SFTRSTF = 1u << 28, IWDGRSTF = 1u << 29;
        Assert.Equal(4u, Result(board, 0));
        Assert.Equal(PINRSTF | BORRSTF, Result(board, 1));   // power-on
        Assert.Equal(PINRSTF, Result(board, 2));             // the NRST pin alone
        Assert.Equal(PINRSTF | SFTRSTF, Result(board, 3));   // SCB_AIRCR.SYSRESETREQ
        Assert.Equal(PINRSTF | IWDGRSTF, Result(board, 4));  // IWDG expiry

        // A power cut is a power-on reset: SRAM lost, the flags a power-on's.
        board.Machine.RequestPowerCut("test");
        board.RunFor(Board.Millisecond, () => Result(board, 0) == 1);
        Assert.Equal(PINRSTF | BORRSTF, Result(board, 1));
    }

    [Fact]
    public void A_debugger_write_sets_an_interrupt_pending_that_the_core_takes()
    {
        var fw = TestFirmware.Build("""
            void IRQ3_Handler(void) { RESULT[1]++; RESULT[0] = 0xD0DE; }
            int main(void)
            {
                for (;;) __asm volatile("wfi");
            }
            """);
        using var board = Boot(fw);
        board.RunFor(Board.Millisecond);
        Assert.Equal(0u, Result(board, 0));

        board.Machine.DebugWrite(0xE000_E100, 1u << 3);   // NVIC_ISER0: IRQ 3 enabled
        board.Machine.DebugWrite(0xE000_E200, 1u << 3);   // NVIC_ISPR0: and pending
        board.RunFor(Board.Millisecond, () => Result(board, 0) == 0xD0DE);

        Assert.Equal(1u, Result(board, 1));
        board.Machine.DebugWrite(TestFirmware.ResultsBase + 8, 0x1234_5678);
        Assert.Equal(0x1234_5678u, Result(board, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => board.Machine.DebugWrite(Machine.FlashBase, 0));
    }

    [Fact]
    public void A_power_cut_after_the_second_flash_operation_leaves_exactly_two_double_words_programmed()
    {
        var fw = TestFirmware.Build("""
            #define FLASH_KEYR REG(0x40022008)
            #define FLASH_SR REG(0x40022010)
            #define FLASH_CR REG(0x40022014)
            int main(void)
            {
                volatile uint32_t *target = (volatile uint32_t *)0x08080000;
                if (target[0] != 0xFFFFFFFFu) { RESULT[1] = 0xB007; RESULT[0] = 0xD0DE; return 0; }   // second life
                FLASH_KEYR = 0x45670123; FLASH_KEYR = 0xCDEF89AB; REG(0x40022000) &= ~(1u << 10); /* DCEN off: ES0250 */
                FLASH_CR |= 1u;                                                                  // PG
                for (int i = 0; i < 4; i++)
                {
                    target[2 * i] = 0x11111111u * (i + 1);
                    target[2 * i + 1] = 0x22222222u * (i + 1);
                    while (FLASH_SR & (1u << 16)) {}                                             // BSY
                    RESULT[2] = i + 1;
                }
                RESULT[0] = 0xD0DE;
                return 0;
            }
            """);
        using var board = Boot(fw);
        board.CutPowerAfterFlashOperations(2);
        board.RunFor(100 * Board.Millisecond, () => Result(board, 1) == 0xB007);

        Assert.Equal(0xB007u, Result(board, 1));
        var cut = Assert.Single(board.Machine.Resets, r => r.Reason.StartsWith("power cut"));
        Assert.Contains("after flash operation #2", cut.Reason);
        Assert.Equal([0x1111_1111u, 0x2222_2222u, 0x2222_2222u, 0x4444_4444u, 0xFFFF_FFFFu, 0xFFFF_FFFFu, 0xFFFF_FFFFu, 0xFFFF_FFFFu],
            Enumerable.Range(0, 8).Select(i => board.Read(0x0808_0000u + 4u * (uint)i)));
    }
}
