// The option bytes as the board composition uses them: a programmer's view (RDP against debug reads and loads), the
// firmware's OPTSTRT + OBL_LAUNCH sequence with RCC_CSR.OBLRSTF, the hardware watchdog, and BFB2's system bootloader.
using Stm32Boot.VirtualBoard.Peripherals;
using Stm32Boot.VirtualBoard.Tests.Core;
using Xunit;

namespace Stm32Boot.VirtualBoard.Tests;

public sealed class OptionBytesBoardTests
{
    private static readonly OptionBytes Rdp1 = OptionBytes.Factory with { Optr = 0xFFEF_F8BB };

    private static uint Result(Board board, int i) => board.Read(TestFirmware.ResultsBase + 4u * (uint)i);

    private static TestFirmware Idle() => TestFirmware.Build("""
        int main(void) { RESULT[0] = 0xD0DE; RESULT[1]++; for (;;) __asm volatile("wfi"); }
        """);

    [Fact]
    public void A_programmer_set_read_protection_blocks_debug_reads_and_loads_and_its_removal_erases_the_flash()
    {
        using var board = new Board();
        board.Machine.LoadFlash(Machine.FlashBase, Idle().Image);
        Assert.Equal(Idle().Image[..8], board.ReadThroughDebugPort(Machine.FlashBase, 8));

        board.OptionBytes = Rdp1;
        Assert.Equal(1, board.Peripherals.Flash.LoadedOptions.RdpLevel);
        var error = Assert.Throws<InvalidOperationException>(() => board.ReadThroughDebugPort(Machine.FlashBase, 8));
        Assert.Contains("RM0351 §3.5.1", error.Message);
        Assert.Throws<InvalidOperationException>(() => board.ReadThroughDebugPort(Machine.Sram2Alias, 4));
        Assert.Equal(new byte[4], board.ReadThroughDebugPort(Machine.Sram1Base + 0x100, 4)); // SRAM1 stays readable
        Assert.Throws<InvalidOperationException>(() => board.LoadHex("any.hex"));

        // The CPU itself still runs from and reads its flash.
        board.PowerOn();
        board.RunFor(Board.Millisecond, () => Result(board, 0) == 0xD0DE);
        Assert.Equal(0xD0DEu, Result(board, 0));

        board.OptionBytes = OptionBytes.Factory; // RDP regression: level 1 to 0
        Assert.DoesNotContain(board.Machine.Flash, b => b != 0xFF);
    }

    [Fact]
    public void Firmware_programs_WRP_then_OBL_LAUNCH_reloads_it_with_OBLRSTF_and_the_protected_page_refuses_an_erase()
    {
        var fw = TestFirmware.Build("""
            #define FLASH_ACR REG(0x40022000)
            #define FLASH_KEYR REG(0x40022008)
            #define FLASH_OPTKEYR REG(0x4002200C)
            #define FLASH_SR REG(0x40022010)
            #define FLASH_CR REG(0x40022014)
            #define FLASH_WRP1AR REG(0x4002202C)
            #define RCC_CSR REG(0x40021094)
            int main(void)
            {
                RESULT[1]++;
                FLASH_KEYR = 0x45670123; FLASH_KEYR = 0xCDEF89AB;
                FLASH_ACR &= ~(1u << 10);                              // DCEN off (ES0250)
                if ((FLASH_WRP1AR & 0xFF00FFu) != 0x070000u) {
                    FLASH_OPTKEYR = 0x08192A3B; FLASH_OPTKEYR = 0x4C5D6E7F;
                    FLASH_WRP1AR = (FLASH_WRP1AR & ~0xFF00FFu) | 0x070000u; // pages 0-7
                    FLASH_CR |= 1u << 17;                               // OPTSTRT
                    while (FLASH_SR & (1u << 16)) {}
                    FLASH_CR |= 1u << 27;                               // OBL_LAUNCH
                    for (;;) {}
                }
                RESULT[2] = RCC_CSR;
                FLASH_CR = (1u << 1) | (3u << 3);                       // PER, page 3
                FLASH_CR |= 1u << 16;                                   // STRT
                while (FLASH_SR & (1u << 16)) {}
                RESULT[3] = FLASH_SR;
                RESULT[0] = 0xD0DE;
                for (;;) __asm volatile("wfi");
            }
            """);
        using var board = new Board();
        board.Machine.LoadFlash(Machine.FlashBase, fw.Image);
        var started = new List<FlashOperation>();
        board.Peripherals.Flash.OperationStarted += started.Add;
        board.PowerOn();
        board.RunFor(200 * Board.Millisecond, () => Result(board, 0) == 0xD0DE);

        Assert.Equal(0xD0DEu, Result(board, 0));
        Assert.Equal(2u, Result(board, 1));                      // two boots: before and after the option loading
        Assert.Equal((uint)RccResetFlags.OBLRSTF, Result(board, 2) & (uint)RccResetFlags.OBLRSTF);
        Assert.Equal(1u << 4, Result(board, 3) & (1u << 4));     // WRPERR
        Assert.Equal(FlashOperationKind.OptionBytesProgram, Assert.Single(started).Kind);
        Assert.Contains(board.Machine.Resets, r => r.Reason.Contains("OBL_LAUNCH"));
        Assert.Equal((0u, 7u), Assert.Single(board.OptionBytes.WrpAreas(1)));
    }

    [Fact]
    public void With_IWDG_SW_0_a_firmware_that_never_refreshes_is_reset_by_the_watchdog_every_512_ms()
    {
        using var board = new Board();
        board.Machine.LoadFlash(Machine.FlashBase, Idle().Image);
        board.OptionBytes = OptionBytes.Factory with { Optr = OptionBytes.Factory.Optr & ~OptionBytes.IWDG_SW };
        board.PowerOn();
        board.RunFor(1100 * Board.Millisecond);

        var watchdog = board.Machine.Resets.Where(r => r.Reason.Contains("IWDG")).ToList();
        Assert.Equal(2, watchdog.Count);
        Assert.InRange(watchdog[0].AtPs, 511 * Board.Millisecond, 514 * Board.Millisecond);
    }

    [Fact]
    public void BFB2_with_a_stack_pointer_at_the_start_of_bank_2_would_start_bank_2_through_the_system_bootloader()
    {
        using var board = new Board();
        board.Machine.LoadFlash(Machine.FlashBase, Idle().Image);
        board.Machine.LoadFlash(Machine.FlashBase + Flash.BankSize, BitConverter.GetBytes(0x2001_8000u));
        board.OptionBytes = OptionBytes.Factory with { Optr = OptionBytes.Factory.Optr | OptionBytes.BFB2 };
        board.PowerOn();

        var fault = Assert.Throws<BoardFaultException>(() => board.RunFor(Board.Millisecond));
        Assert.Contains("AN2606", fault.Message);
        Assert.Contains("bank 2", fault.Message);
    }

    [Fact]
    public void BFB2_without_a_program_in_bank_2_boots_bank_1()
    {
        using var board = new Board();
        board.Machine.LoadFlash(Machine.FlashBase, Idle().Image);
        board.OptionBytes = OptionBytes.Factory with { Optr = OptionBytes.Factory.Optr | OptionBytes.BFB2 };
        board.PowerOn();
        board.RunFor(Board.Millisecond, () => Result(board, 0) == 0xD0DE);
        Assert.Equal(0xD0DEu, Result(board, 0));
    }
}
