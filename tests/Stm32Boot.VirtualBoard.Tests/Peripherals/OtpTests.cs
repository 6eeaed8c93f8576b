using Stm32Boot.VirtualBoard.Peripherals;
using Stm32Boot.VirtualBoard.Tests.Core;
using Xunit;
using static Stm32Boot.VirtualBoard.Tests.Peripherals.Bench;

namespace Stm32Boot.VirtualBoard.Tests.Peripherals;

/// <summary>
/// The OTP area (RM0351 §3.3.1: 0x1FFF7000-0x1FFF73FF, 128 double words in bank 1's information block) against the
/// flash model: programmed with PG like the main array and in the same time, write-once (PROGERR on any double word
/// with a bit at 0, even for zeros), untouched by page erase, mass erase and RDP regression, torn by a reset during a
/// program, and then read with an ECC double error that FLASH_ECCR reports with SYSF_ECC.
/// </summary>
public sealed class OtpTests
{
    private const uint PG = 1u << 0, PER = 1u << 1, MER1 = 1u << 2, BKER = 1u << 11, MER2 = 1u << 15, STRT = 1u << 16,
        FSTPG = 1u << 18;
    private const uint PROGERR = 1u << 3, BSY = 1u << 16;
    private const uint FLASH_ECCR = FLASH + 0x18;
    private const uint ECCD = 1u << 31, SYSF_ECC = 1u << 20, BK_ECC = 1u << 19, ADDR_ECC = 0x7FFFFu;
    private const uint Otp = Machine.OtpBase;

    private readonly Bench _bench = new();
    private FakeBoard Board => _bench.Board;
    private Flash Flash => _bench.Models.Flash;

    private ulong OtpDoubleWord(uint address) => BitConverter.ToUInt64(Flash.Otp, (int)(address - Otp));

    private void StartProgram(uint address, uint low, uint high)
    {
        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, PG);
        Flash.WriteArray(address, 4, low);
        Flash.WriteArray(address + 4, 4, high);
    }

    private void Program(uint address, uint low, uint high)
    {
        StartProgram(address, low, high);
        _bench.Clock.AdvanceMicroseconds(82);
        _bench.Clear(FLASH_CR, PG);
    }

    [Fact]
    public void Comes_erased_and_programs_a_double_word_with_PG_in_the_main_flash_time_stalling_bank_1()
    {
        Assert.Equal(1024, Flash.Otp.Length);
        Assert.DoesNotContain(Flash.Otp, b => b != 0xFF);
        FlashOperation? started = null;
        Flash.OperationStarted += op => started = op;

        var now = Board.Clock.NowPs;
        StartProgram(Otp + 0x3F8, 0x1122_3344, 0x5566_7788);

        Assert.Equal(new FlashOperation(FlashOperationKind.DoubleWordProgram, Otp + 0x3F8, 8, now, now + 81_690_000), started);
        Assert.Equal(BSY, _bench.Read(FLASH_SR) & BSY);
        Assert.Equal((Flash.ArrayBase, Flash.BankSize), Board.Stalled);   // bank 1: its information block
        Assert.Equal(ulong.MaxValue, OtpDoubleWord(Otp + 0x3F8));        // changes only when the operation ends
        _bench.Clock.AdvanceMicroseconds(81);
        Assert.Equal(BSY, _bench.Read(FLASH_SR) & BSY);
        _bench.Clock.AdvanceMicroseconds(1);

        Assert.Equal(0u, _bench.Read(FLASH_SR));
        Assert.Null(Board.Stalled);
        Assert.Equal(0x5566_7788_1122_3344ul, OtpDoubleWord(Otp + 0x3F8));
        Assert.Equal(1, Flash.Otp.Count(b => b != 0xFF) / 8);
        Assert.DoesNotContain(Board.Flash, b => b != 0xFF);               // the main array is another memory
        Assert.Empty(Board.Faults);
    }

    [Theory]
    [InlineData(0xFFFF_FFFEu, 0xFFFF_FFFFu)] // a single bit at 0 is enough
    [InlineData(0x1122_3344u, 0x5566_7788u)]
    public void A_double_word_with_any_bit_at_0_cannot_be_programmed_again_not_even_with_zeros(uint low, uint high)
    {
        Program(Otp + 0x10, low, high);
        var before = Flash.Otp;
        var operations = Flash.CompletedOperations;

        foreach (var (l, h) in new[] { (0u, 0u), (0xFFFF_FFFFu, 0xFFFF_FFFFu), (low, high) })
        {
            _bench.Write(FLASH_SR, PROGERR);
            StartProgram(Otp + 0x10, l, h);
            Assert.Equal(PROGERR, _bench.Read(FLASH_SR) & (PROGERR | BSY));
        }

        Assert.Equal(before, Flash.Otp);
        Assert.Equal(operations, Flash.CompletedOperations);
        Assert.Null(Board.Stalled);
        // The neighbours are still erased, so still programmable.
        _bench.Write(FLASH_SR, PROGERR);
        Program(Otp + 0x18, 0, 0);
        Assert.Equal(0ul, OtpDoubleWord(Otp + 0x18));
    }

    [Fact]
    public void Main_flash_may_be_overwritten_with_zeros_but_the_OTP_area_may_not()
    {
        Program(Flash.ArrayBase + 0x4_0000, 0x1234_5678, 0x9ABC_DEF0);
        Program(Flash.ArrayBase + 0x4_0000, 0, 0);
        Assert.Equal(0u, _bench.Read(FLASH_SR) & PROGERR);

        Program(Otp, 0x1234_5678, 0x9ABC_DEF0);
        Program(Otp, 0, 0);
        Assert.Equal(PROGERR, _bench.Read(FLASH_SR) & PROGERR);
    }

    [Fact]
    public void No_page_erase_and_no_mass_erase_reaches_it()
    {
        Program(Otp, 0x0000_0001, 0xFFFF_FFFE);
        var programmed = Flash.Otp;

        // Every page of both banks: PNB and BKER address main pages only.
        for (var page = 0u; page < 512; page++)
        {
            _bench.Write(FLASH_CR, PER | (page % 256 << 3) | (page >= 256 ? BKER : 0));
            _bench.Set(FLASH_CR, STRT);
            _bench.Clock.AdvanceMicroseconds(22_100);
            Assert.Equal(programmed, Flash.Otp);
        }
        _bench.Write(FLASH_CR, MER1 | MER2);
        _bench.Set(FLASH_CR, STRT);
        _bench.Clock.AdvanceMicroseconds(22_200);

        Assert.Equal(0u, _bench.Read(FLASH_SR));
        Assert.Equal(programmed, Flash.Otp);
        Assert.Empty(Board.Faults);
    }

    [Fact]
    public void Resets_power_cycles_and_the_RDP_regression_mass_erase_leave_it_as_it_is()
    {
        Program(Otp + 0x100, 0xCAFE_F00D, 0x3501_0FF2);
        var programmed = Flash.Otp;
        _bench.Reset(ResetKind.System);
        _bench.Reset(ResetKind.PowerOn);
        Assert.Equal(programmed, Flash.Otp);

        Flash.ProgramOptionBytes(OptionBytes.Factory with { Optr = 0xFFEF_F8BB }); // RDP level 1
        _bench.Reset(ResetKind.PowerOn);
        Array.Fill(Board.Flash, (byte)0x12);
        Flash.ProgramOptionBytes(OptionBytes.Factory);                            // back to level 0: mass erase
        _bench.Reset(ResetKind.PowerOn);

        Assert.Equal(0, Flash.LoadedOptions.RdpLevel);
        Assert.DoesNotContain(Board.Flash, b => b != 0xFF);
        Assert.Equal(programmed, Flash.Otp);
    }

    [Fact]
    public void A_program_cut_by_a_reset_tears_the_double_word_and_its_read_sets_ECCD_with_SYSF_ECC_and_raises_the_NMI()
    {
        StartProgram(Otp + 0x208, 0x1234_5678, 0x9ABC_DEF0);
        _bench.Clock.AdvanceMicroseconds(40);
        _bench.Reset(ResetKind.PowerOn);

        // Neither old nor new: the programmed bits of the low nibbles only, as the main-flash model tears.
        Assert.Equal(0xFAFC_FEF0_F2F4_F6F8ul, OtpDoubleWord(Otp + 0x208));
        Assert.True(Flash.HasEccError(Otp + 0x20C));
        Assert.False(Flash.HasEccError(Otp + 0x200));
        Assert.False(Flash.HasEccError(Otp + 0x210));
        Assert.Null(Board.Stalled);
        Assert.Empty(Board.CheckedFlash);                  // nothing in the main array needs checking
        Assert.Equal(0u, _bench.Read(FLASH_ECCR));

        Assert.Equal(0xFFFF_FFFFu, Flash.ReadOtp(Otp + 0x200, 4));
        Assert.Equal(0u, _bench.Read(FLASH_ECCR));
        Assert.False(Board.Nmi);

        Assert.Equal(0xFAFCu, Flash.ReadOtp(Otp + 0x20E, 2)); // the raw bits, and the error
        var eccr = _bench.Read(FLASH_ECCR);
        Assert.Equal(ECCD | SYSF_ECC, eccr & ~ADDR_ECC);   // BK_ECC = 0: bank 1's information block
        Assert.Equal(0x7208u, eccr & ADDR_ECC);            // counted from 0x1FFF0000
        Assert.True(Board.Nmi);

        _bench.Write(FLASH_ECCR, ECCD);
        Assert.False(Board.Nmi);
        Assert.Equal(SYSF_ECC | 0x7208u, _bench.Read(FLASH_ECCR)); // the fields stay until the next error, as for main flash

        // Torn is not erased: it can never be programmed again, and nothing repairs it.
        Program(Otp + 0x208, 0, 0);
        Assert.Equal(PROGERR, _bench.Read(FLASH_SR) & PROGERR);
        _bench.Reset(ResetKind.PowerOn);
        Assert.True(Flash.HasEccError(Otp + 0x208));
        Flash.ReadOtp(Otp + 0x208, 1);
        Assert.True(Board.Nmi);
    }

    [Fact]
    public void While_ECCD_is_set_a_later_error_keeps_the_first_address_in_the_main_array_or_the_OTP_area()
    {
        Flash.TearDoubleWordProgram(Otp + 0x40);
        Flash.TearDoubleWordProgram(0x0802_0000);

        Flash.ReadOtp(Otp + 0x40, 4);
        Flash.ReadArray(0x0802_0000, 4);
        Assert.Equal(ECCD | SYSF_ECC | 0x7040u, _bench.Read(FLASH_ECCR));

        _bench.Write(FLASH_ECCR, ECCD);
        Flash.ReadArray(0x0802_0000, 4);
        Assert.Equal(ECCD | 0x2_0000u, _bench.Read(FLASH_ECCR)); // a main-flash error: no SYSF_ECC
        Assert.Equal(0u, _bench.Read(FLASH_ECCR) & BK_ECC);
    }

    [Fact]
    public void Fast_programming_of_the_OTP_area_stops_the_run()
    {
        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, FSTPG);
        Flash.WriteArray(Otp, 4, 0);

        Assert.Contains(Board.Faults, f => f.Contains("fast programming (FSTPG) of the OTP area"));
        Assert.DoesNotContain(Flash.Otp, b => b != 0xFF);
    }

    [Fact]
    public void A_programmer_writes_whole_erased_double_words_once_and_refuses_the_rest_without_writing_anything()
    {
        Flash.ProgramOtp(Otp + 8, [1, 2, 3, 4, 5, 6, 7, 8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE]);
        Assert.Equal(0x0807_0605_0403_0201ul, OtpDoubleWord(Otp + 8));
        Assert.Equal(0xFEFF_FFFF_FFFF_FFFFul, OtpDoubleWord(Otp + 16));

        var before = Flash.Otp;
        var twice = Assert.Throws<InvalidOperationException>(() => Flash.ProgramOtp(Otp, new byte[24]));
        Assert.Contains("0x1FFF7008 is already programmed", twice.Message);
        Assert.Equal(before, Flash.Otp);                  // not even the erased double word at +0

        Assert.Throws<ArgumentOutOfRangeException>(() => Flash.ProgramOtp(Otp + 4, new byte[8]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Flash.ProgramOtp(Otp, new byte[7]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Flash.ProgramOtp(Otp + 0x3F8, new byte[16]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Flash.ProgramOtp(0x0800_0000, new byte[8]));
        Assert.Equal(before, Flash.Otp);
    }
}

/// <summary>
/// The OTP area on the whole board: CPU loads and PG programs at 0x1FFF7000, persistence across power cycles, the
/// programmer's writes before power-on, and a program torn by a power cut read back through the ECC NMI.
/// </summary>
public sealed class OtpBoardTests
{
    private const uint ECCD = 1u << 31, SYSF_ECC = 1u << 20;

    private const string FlashRegisters = """
        #define FLASH_KEYR REG(0x40022008)
        #define FLASH_SR REG(0x40022010)
        #define FLASH_CR REG(0x40022014)
        #define FLASH_ECCR REG(0x40022018)
        #define FLASH_SR_BSY (1u << 16)
        #define FLASH_ECCR_ECCD (1u << 31)
        #define OTP ((volatile uint32_t *)0x1FFF7000)
        static inline void flash_unlock(void) { FLASH_KEYR = 0x45670123; FLASH_KEYR = 0xCDEF89AB; REG(0x40022000) &= ~(1u << 10); } /* DCEN off: ES0250 */
        static inline void flash_wait(void) { while (FLASH_SR & FLASH_SR_BSY) {} }

        """;

    private static uint Result(Board board, int i) => board.Read(TestFirmware.ResultsBase + 4u * (uint)i);

    private static void RunToDone(Board board) =>
        Assert.Equal(StopReason.Condition, board.RunFor(100 * Board.Millisecond, () => Result(board, 0) == 0xD0DE).Reason);

    [Fact]
    public void Firmware_reads_what_a_programmer_wrote_programs_the_next_double_word_and_both_survive_a_power_cycle()
    {
        var fw = TestFirmware.Build(FlashRegisters + """
            int main(void)
            {
                RESULT[1] = OTP[0];
                RESULT[2] = OTP[1];
                RESULT[3] = ((volatile uint8_t *)OTP)[3];
                if (OTP[2] == 0xFFFFFFFFu && OTP[3] == 0xFFFFFFFFu)
                {
                    flash_unlock();
                    FLASH_CR |= 1u;                      // PG
                    OTP[2] = RESULT[1] + 1;
                    OTP[3] = ~(RESULT[1] + 1);
                    flash_wait();
                    FLASH_CR &= ~1u;
                    RESULT[4] = FLASH_SR;
                }
                RESULT[5] = OTP[2];
                RESULT[6] = OTP[3];
                RESULT[0] = 0xD0DE;
                return 0;
            }
            """);
        using var board = new Board();
        board.Machine.LoadFlash(Machine.FlashBase, fw.Image);
        board.ProgramOtp(Machine.OtpBase, [0x07, 0, 0, 0x80, 0xF8, 0xFF, 0xFF, 0x7F]);
        board.PowerOn();
        RunToDone(board);

        Assert.Equal(0x8000_0007u, Result(board, 1));
        Assert.Equal(0x7FFF_FFF8u, Result(board, 2));
        Assert.Equal(0x80u, Result(board, 3));
        Assert.Equal(0u, Result(board, 4));
        Assert.Equal(0x8000_0008u, Result(board, 5));
        Assert.Equal(0x7FFF_FFF7u, Result(board, 6));
        Assert.Equal(new byte[] { 0x08, 0, 0, 0x80, 0xF7, 0xFF, 0xFF, 0x7F }, board.Otp.AsSpan(8, 8).ToArray());
        Assert.Equal(1L, board.Peripherals.Flash.CompletedOperations);

        board.PowerOn();                                    // SRAM cleared, RESULT[] with it
        RunToDone(board);

        Assert.Equal(0x8000_0007u, Result(board, 1));
        Assert.Equal(0u, Result(board, 4));                 // nothing programmed this time
        Assert.Equal(0x8000_0008u, Result(board, 5));
        Assert.Equal(1L, board.Peripherals.Flash.CompletedOperations);
        var twice = Assert.Throws<InvalidOperationException>(() => board.ProgramOtp(Machine.OtpBase + 8, new byte[8]));
        Assert.Contains("already programmed", twice.Message);
    }

    [Fact]
    public void A_power_cut_during_an_OTP_program_leaves_a_double_word_whose_read_raises_the_NMI_with_SYSF_ECC()
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
                volatile uint32_t *target = OTP + 4;         // 0x1FFF7010
                uint32_t low = target[0];
                __asm volatile("isb" ::: "memory");          // ends the block: the NMI is due by now
                RESULT[6] = RESULT[3];
                RESULT[4] = low;
                RESULT[5] = target[1];
                if (low == 0xFFFFFFFFu)                      // first life: program it, and the power fails meanwhile
                {
                    flash_unlock();
                    FLASH_CR |= 1u;                          // PG
                    target[0] = 0x12345678u;
                    target[1] = 0x9ABCDEF0u;
                    flash_wait();
                    RESULT[1] = 0xBAD;                       // not reached: the cut comes while BSY
                }
                else                                         // second life: the torn double word takes nothing more
                {
                    flash_unlock();
                    FLASH_CR |= 1u;
                    target[0] = 0;
                    target[1] = 0;
                    flash_wait();
                    RESULT[7] = FLASH_SR;
                }
                RESULT[0] = 0xD0DE;
                return 0;
            }
            """);
        using var board = new Board();
        board.Machine.LoadFlash(Machine.FlashBase, fw.Image);
        board.PowerOn();
        var cuts = 0;
        board.Peripherals.Flash.OperationStarted += op =>
        {
            Assert.Equal(Machine.OtpBase + 0x10, op.Address);
            if (cuts++ == 0) board.Machine.RequestPowerCut("mid-OTP-program");
        };

        RunToDone(board);

        Assert.Equal("power cut (mid-OTP-program)", board.Machine.Resets[^1].Reason);
        Assert.Equal(ECCD | SYSF_ECC | 0x7010u, Result(board, 2)); // bank 1's information block, offset 0x7010
        Assert.Equal(2u, Result(board, 3));                // one NMI for each load of the torn double word
        Assert.Equal(1u, Result(board, 6));                // taken before the instructions after the load
        Assert.Equal(0xF2F4_F6F8u, Result(board, 4));      // the raw torn bits
        Assert.Equal(0xFAFC_FEF0u, Result(board, 5));
        Assert.Equal(0u, Result(board, 1));
        Assert.Equal(1u << 3, Result(board, 7) & (1u << 3)); // PROGERR: torn is not erased
        Assert.Equal(1, cuts);                              // the refused program never started
        Assert.True(board.Peripherals.Flash.HasEccError(Machine.OtpBase + 0x10));
        Assert.Equal(0u, board.Read(0x4002_2018) & ECCD);
    }
}
