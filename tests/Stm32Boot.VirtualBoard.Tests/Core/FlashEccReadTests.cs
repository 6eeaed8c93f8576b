using Xunit;

namespace Stm32Boot.VirtualBoard.Tests.Core;

/// <summary>
/// CPU reads of flash double words with a bad ECC on the whole board: the core routes reads of the affected pages
/// to the flash model, which sets FLASH_ECCR.ECCD and raises the NMI, for loads and for instruction fetches.
/// </summary>
public sealed class FlashEccReadTests
{
    private const uint ECCD = 1u << 31;

    private const string FlashRegisters = """
        #define FLASH_KEYR REG(0x40022008)
        #define FLASH_SR REG(0x40022010)
        #define FLASH_CR REG(0x40022014)
        #define FLASH_ECCR REG(0x40022018)
        #define FLASH_SR_BSY (1u << 16)
        #define FLASH_ECCR_ECCD (1u << 31)
        static inline void flash_unlock(void) { FLASH_KEYR = 0x45670123; FLASH_KEYR = 0xCDEF89AB; REG(0x40022000) &= ~(1u << 10); } /* DCEN off: ES0250 */
        static inline void flash_wait(void) { while (FLASH_SR & FLASH_SR_BSY) {} }

        """;

    private static Board Boot(TestFirmware firmware, Action<Board>? beforePowerOn = null)
    {
        var board = new Board();
        board.Machine.LoadFlash(Machine.FlashBase, firmware.Image);
        beforePowerOn?.Invoke(board);
        board.PowerOn();
        return board;
    }

    private static uint Result(Board board, int i) => board.Read(TestFirmware.ResultsBase + 4u * (uint)i);

    private static void RunToDone(Board board) =>
        Assert.Equal(StopReason.Condition, board.RunFor(100 * Board.Millisecond, () => Result(board, 0) == 0xD0DE).Reason);

    [Fact]
    public void A_double_word_torn_by_a_power_cut_raises_the_NMI_when_read_even_with_PRIMASK_set()
    {
        var fw = TestFirmware.Build(FlashRegisters + """
            void NMI_Handler(void)
            {
                RESULT[2] = FLASH_ECCR;
                RESULT[3]++;
                FLASH_ECCR = FLASH_ECCR_ECCD;
            }
            int main(void)
            {
                volatile uint32_t *target = (volatile uint32_t *)0x08040010;
                __asm volatile("cpsid i" ::: "memory");
                uint32_t low = target[0];
                __asm volatile("isb" ::: "memory");      // ends the block: the NMI is due by now
                RESULT[6] = RESULT[3];
                RESULT[4] = low;
                RESULT[5] = target[2];                   // the next double word is intact
                if (low == 0xFFFFFFFFu)                  // first life: program it, and the power fails meanwhile
                {
                    flash_unlock();
                    FLASH_CR |= 1u;                      // PG
                    target[0] = 0x12345678u;
                    target[1] = 0x9ABCDEF0u;
                    flash_wait();
                    RESULT[1] = 0xBAD;                   // not reached: the cut comes while BSY
                }
                RESULT[0] = 0xD0DE;
                return 0;
            }
            """);
        using var board = Boot(fw);
        var cuts = 0;
        board.Peripherals.Flash.OperationStarted += _ => { if (cuts++ == 0) board.Machine.RequestPowerCut("mid-program"); };

        RunToDone(board);

        Assert.Equal("power cut (mid-program)", board.Machine.Resets[^1].Reason);
        Assert.Equal(ECCD | 0x4_0010u, Result(board, 2)); // bank 1, offset 0x40010
        Assert.Equal(1u, Result(board, 3));              // cleared once: entered once
        Assert.Equal(1u, Result(board, 6));              // and before the instructions after the read
        Assert.Equal(0xF2F4_F6F8u, Result(board, 4));    // the raw torn bits, handed to the load all the same
        Assert.Equal(0xFFFF_FFFFu, Result(board, 5));
        Assert.Equal(0u, Result(board, 1));
        Assert.Equal(0u, board.Read(0x4002_2018) & ECCD); // FLASH_ECCR: cleared by the handler
    }

    [Fact]
    public void A_handler_that_leaves_ECCD_set_is_entered_again_until_it_clears_it()
    {
        var fw = TestFirmware.Build(FlashRegisters + """
            void NMI_Handler(void)
            {
                if (++RESULT[3] == 3) FLASH_ECCR = FLASH_ECCR_ECCD;
            }
            int main(void)
            {
                RESULT[1] = *(volatile uint32_t *)0x08060008;
                __asm volatile("isb" ::: "memory");
                RESULT[0] = 0xD0DE;
                return 0;
            }
            """);
        using var board = Boot(fw, b => b.Peripherals.Flash.TearDoubleWordProgram(0x0806_0008));

        RunToDone(board);

        Assert.Equal(3u, Result(board, 3));
        Assert.Equal(0xF0F0_F0F0u, Result(board, 1));    // erased bits with the low nibbles programmed to 0
    }

    [Fact]
    public void Fetching_a_torn_instruction_raises_the_NMI_before_it_executes()
    {
        // The function sits alone at the start of a page; its first double word is torn before power-on.
        var fw = TestFirmware.Build(FlashRegisters + """
            __attribute__((noinline, aligned(2048))) void torn(void) { RESULT[6] = 0xBAD; }
            void NMI_Handler(void)
            {
                RESULT[2] = FLASH_ECCR;
                RESULT[0] = 0xD0DE;
                for (;;) __asm volatile("wfi");          // never returns into the torn code
            }
            int main(void)
            {
                RESULT[1] = 1;
                torn();
                return 0;
            }
            """);
        var torn = fw.Symbol("torn") & ~1u;
        using var board = Boot(fw, b => b.Peripherals.Flash.TearDoubleWordProgram(torn));

        RunToDone(board);

        Assert.Equal(1u, Result(board, 1));
        Assert.Equal(ECCD | (torn - Machine.FlashBase), Result(board, 2));
        Assert.Equal(0u, Result(board, 6));
        Assert.Equal(2, board.Machine.ReadCpu().Exception);
    }

    [Fact]
    public void Erasing_the_page_repairs_it_and_the_page_reads_and_programs_as_plain_flash_again()
    {
        var fw = TestFirmware.Build(FlashRegisters + """
            void NMI_Handler(void) { RESULT[3]++; FLASH_ECCR = FLASH_ECCR_ECCD; }
            int main(void)
            {
                volatile uint32_t *target = (volatile uint32_t *)0x08070100;
                RESULT[1] = target[0];                   // torn: one NMI
                __asm volatile("isb" ::: "memory");
                flash_unlock();
                FLASH_CR = (FLASH_CR & ~(0xFFu << 3)) | 2u | (224u << 3);   // PER, page 224 = 0x08070000
                FLASH_CR |= 1u << 16;                    // STRT
                flash_wait();
                FLASH_CR &= ~2u;
                RESULT[2] = target[0];                   // erased: no NMI
                FLASH_CR |= 1u;                          // PG
                target[0] = 0xCAFEF00Du;
                target[1] = 0x0D15EA5Eu;
                flash_wait();
                FLASH_CR &= ~1u;
                RESULT[4] = target[0];
                RESULT[5] = target[1];
                RESULT[0] = 0xD0DE;
                return 0;
            }
            """);
        using var board = Boot(fw, b => b.Peripherals.Flash.TearDoubleWordProgram(0x0807_0100));

        RunToDone(board);

        Assert.Equal(1u, Result(board, 3));
        Assert.Equal(0xFFFF_FFFFu, Result(board, 2));
        Assert.Equal(0xCAFE_F00Du, Result(board, 4));
        Assert.Equal(0x0D15_EA5Eu, Result(board, 5));
        Assert.False(board.Peripherals.Flash.HasEccError(0x0807_0100));
    }
}
