using Stm32Boot.VirtualBoard.Peripherals;
using Xunit;
using static Stm32Boot.VirtualBoard.Tests.Peripherals.Bench;

namespace Stm32Boot.VirtualBoard.Tests.Peripherals;

public sealed class FlashTests
{
    private const uint PG = 1u << 0, PER = 1u << 1, MER1 = 1u << 2, BKER = 1u << 11, MER2 = 1u << 15,
        STRT = 1u << 16, FSTPG = 1u << 18, EOPIE = 1u << 24, ERRIE = 1u << 25, LOCK = 1u << 31;
    private const uint EOP = 1u << 0, OPERR = 1u << 1, PROGERR = 1u << 3, PGAERR = 1u << 5, SIZERR = 1u << 6,
        PGSERR = 1u << 7, MISERR = 1u << 8, FASTERR = 1u << 9, BSY = 1u << 16;

    private readonly Bench _bench = new();
    private FakeBoard Board => _bench.Board;
    private Flash Flash => _bench.Models.Flash;

    private static uint Pnb(uint page) => page << 3;

    private void ProgramDoubleWord(uint address, uint low, uint high)
    {
        Flash.WriteArray(address, 4, low);
        Flash.WriteArray(address + 4, 4, high);
    }

    private uint FlashWord(uint address) => BitConverter.ToUInt32(Board.Flash, (int)(address - Flash.ArrayBase));

    [Fact]
    public void Comes_out_of_reset_locked_with_factory_options()
    {
        Assert.Equal(0xC000_0000u, _bench.Read(FLASH_CR));
        Assert.Equal(0x0000_0600u, _bench.Read(FLASH_ACR));
        Assert.Equal(0u, _bench.Read(FLASH_SR));
        Assert.Equal(0xFFEF_F8AAu, _bench.Read(FLASH_OPTR));
        Assert.Empty(Board.Faults);
    }

    [Fact]
    public void Key_sequence_unlocks_the_control_register()
    {
        _bench.Write(FLASH_CR, PG);
        Assert.Equal(0xC000_0000u, _bench.Read(FLASH_CR)); // locked: the write is ignored

        _bench.UnlockFlash();

        Assert.Equal(0u, _bench.Read(FLASH_CR) & LOCK);
        _bench.Write(FLASH_CR, PG);
        Assert.Equal(PG, _bench.Read(FLASH_CR) & PG);
        Assert.Empty(Board.Faults);
    }

    [Fact]
    public void A_wrong_key_locks_the_control_register_until_reset()
    {
        _bench.Write(FLASH_KEYR, 0x4567_0123);
        _bench.Write(FLASH_KEYR, 0x1234_5678);

        Assert.Contains(Board.Faults, f => f.Contains("wrong unlock sequence"));
        _bench.UnlockFlash(); // the right sequence no longer works
        Assert.NotEqual(0u, _bench.Read(FLASH_CR) & LOCK);

        _bench.Reset(ResetKind.System);
        Board.Faults.Clear();
        _bench.UnlockFlash();
        Assert.Equal(0u, _bench.Read(FLASH_CR) & LOCK);
        Assert.Empty(Board.Faults);
    }

    [Theory]
    [InlineData("erase")]
    [InlineData("program")]
    [InlineData("fast")]
    public void An_operation_started_with_the_data_cache_on_is_reported_as_the_ES0250_hazard(string operation)
    {
        _bench.UnlockFlash();
        _bench.Set(FLASH_ACR, DCEN);
        switch (operation)
        {
            case "erase":
                _bench.Write(FLASH_CR, PER | Pnb(300 % 256) | BKER);
                _bench.Set(FLASH_CR, STRT);
                break;
            case "program":
                _bench.Write(FLASH_CR, PG);
                ProgramDoubleWord(0x0808_0000, 1, 2);
                break;
            default:
                _bench.Write(FLASH_CR, FSTPG);
                Flash.WriteArray(0x0808_0000, 4, 1);
                break;
        }
        var fault = Assert.Single(Board.Faults);
        Assert.Contains("FLASH_ACR.DCEN = 1", fault);
        Assert.Contains("ES0250", fault);
        Assert.Contains("read-while-write", fault);
    }

    [Fact]
    public void An_operation_with_the_data_cache_off_raises_no_hazard()
    {
        _bench.UnlockFlash();
        Assert.Equal(0u, _bench.Read(FLASH_ACR) & DCEN);
        _bench.Write(FLASH_CR, PER | Pnb(44) | BKER);
        _bench.Set(FLASH_CR, STRT);
        _bench.Clock.AdvanceMicroseconds(22_020);
        _bench.Set(FLASH_ACR, DCEN); // back on between operations, as the firmware does
        Assert.Empty(Board.Faults);
    }

    [Fact]
    public void Writing_lock_relocks()
    {
        _bench.UnlockFlash();
        _bench.Set(FLASH_CR, LOCK);
        _bench.Write(FLASH_CR, PG);
        Assert.Equal(0u, _bench.Read(FLASH_CR) & PG);
    }

    [Fact]
    public void An_operation_stalls_reads_of_its_own_bank_until_it_ends_or_is_cut()
    {
        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, PER | BKER | Pnb(10));
        _bench.Set(FLASH_CR, STRT);
        Assert.Equal((0x0808_0000u, Flash.BankSize), Board.Stalled); // page 266: bank 2 only
        _bench.Clock.AdvanceMicroseconds(22_020);
        Assert.Null(Board.Stalled);

        _bench.Write(FLASH_CR, PG);
        Flash.WriteArray(0x0800_1000, 4, 0x1234_5678);
        Assert.Null(Board.Stalled);                                  // one word is not an operation yet
        Flash.WriteArray(0x0800_1004, 4, 0x9ABC_DEF0);
        Assert.Equal((0x0800_0000u, Flash.BankSize), Board.Stalled);
        _bench.Reset(ResetKind.PowerOn);                             // a power cut ends the operation too
        Assert.Null(Board.Stalled);
        Assert.Equal(2, Board.Stalls.Count);
    }

    [Fact]
    public void Double_word_programs_erased_memory_after_its_datasheet_time()
    {
        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, PG | EOPIE);
        var completed = new List<FlashOperation>();
        Flash.OperationCompleted += completed.Add;

        ProgramDoubleWord(0x0802_0000, 0x5041_344C, 0x0040_0001);

        Assert.Equal(BSY, _bench.Read(FLASH_SR) & BSY);
        Assert.Equal(0xFFFF_FFFFu, FlashWord(0x0802_0000)); // nothing changes before the end
        _bench.Clock.AdvanceMicroseconds(81.6);
        Assert.Equal(BSY, _bench.Read(FLASH_SR) & BSY);
        _bench.Clock.AdvanceMicroseconds(0.1);

        Assert.Equal(EOP, _bench.Read(FLASH_SR));
        Assert.Equal(0x5041_344Cu, FlashWord(0x0802_0000));
        Assert.Equal(0x0040_0001u, FlashWord(0x0802_0004));
        Assert.Equal(0xFFFF_FFFFu, FlashWord(0x0802_0008));
        Assert.Contains((0x0802_0000u, 8u), Board.Invalidations);
        var operation = Assert.Single(completed);
        Assert.Equal(FlashOperationKind.DoubleWordProgram, operation.Kind);
        Assert.Equal(1, Flash.CompletedOperations);
        Assert.True(Board.Irq(Flash.FlashIrq)); // EOP with EOPIE
        _bench.Write(FLASH_SR, EOP);
        Assert.False(Board.Irq(Flash.FlashIrq));
        Assert.Empty(Board.Faults);
    }

    [Fact]
    public void End_of_operation_is_flagged_only_with_its_interrupt_enabled()
    {
        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, PG);
        ProgramDoubleWord(0x0802_0000, 1, 2);
        _bench.Clock.AdvanceMicroseconds(100);
        Assert.Equal(0u, _bench.Read(FLASH_SR));
        Assert.Equal(1u, FlashWord(0x0802_0000));
    }

    [Fact]
    public void Programming_a_programmed_double_word_fails_with_PROGERR_unless_it_writes_zeros()
    {
        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, PG);
        ProgramDoubleWord(0x0803_0000, 0x1234_5678, 0x9ABC_DEF0);
        _bench.Clock.AdvanceMicroseconds(100);

        ProgramDoubleWord(0x0803_0000, 0x0000_0000, 0x1111_1111);
        Assert.Equal(PROGERR, _bench.Read(FLASH_SR) & PROGERR);
        Assert.Equal(0u, _bench.Read(FLASH_SR) & BSY);
        Assert.Equal(0x1234_5678u, FlashWord(0x0803_0000));

        _bench.Write(FLASH_SR, PROGERR);
        ProgramDoubleWord(0x0803_0000, 0, 0);
        _bench.Clock.AdvanceMicroseconds(100);
        Assert.Equal(0u, _bench.Read(FLASH_SR));
        Assert.Equal(0u, FlashWord(0x0803_0000));
        Assert.Equal(0u, FlashWord(0x0803_0004));
    }

    [Fact]
    public void A_byte_store_is_a_size_error()
    {
        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, PG);
        Flash.WriteArray(0x0802_0000, 1, 0x55);
        Assert.Equal(SIZERR, _bench.Read(FLASH_SR));
        Assert.Equal(0xFFu, (uint)Board.Flash[0x2_0000]);
    }

    [Fact]
    public void A_first_word_off_a_double_word_boundary_is_an_alignment_error()
    {
        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, PG);
        Flash.WriteArray(0x0802_0004, 4, 1);
        Assert.Equal(PGAERR, _bench.Read(FLASH_SR));
    }

    [Fact]
    public void A_second_word_that_is_not_the_next_one_is_an_alignment_error()
    {
        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, PG);
        Flash.WriteArray(0x0802_0000, 4, 1);
        Flash.WriteArray(0x0802_0010, 4, 2);
        Assert.Equal(PGAERR, _bench.Read(FLASH_SR));
        Assert.Equal(0xFFFF_FFFFu, FlashWord(0x0802_0000));
    }

    [Fact]
    public void A_store_without_PG_is_a_sequence_error_and_OPERR_follows_with_ERRIE()
    {
        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, ERRIE);
        Flash.WriteArray(0x0802_0000, 4, 1);
        Assert.Equal(PGSERR | OPERR, _bench.Read(FLASH_SR));
        Assert.True(Board.Irq(Flash.FlashIrq));
    }

    [Fact]
    public void An_uncleared_error_makes_the_next_programming_a_sequence_error()
    {
        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, PG);
        Flash.WriteArray(0x0802_0004, 4, 1); // PGAERR
        ProgramDoubleWord(0x0802_0000, 1, 2);
        Assert.Equal(PGAERR | PGSERR, _bench.Read(FLASH_SR));
        _bench.Clock.AdvanceMicroseconds(100);
        Assert.Equal(0xFFFF_FFFFu, FlashWord(0x0802_0000));
    }

    [Fact]
    public void Page_erase_in_bank_2_selects_the_page_with_BKER()
    {
        Board.Flash.AsSpan(0x8_0000 + 3 * 2048, 3 * 2048).Fill(0x00); // pages 259, 260, 261
        Board.Flash.AsSpan(3 * 2048, 2048).Fill(0x00);                 // page 3 of bank 1
        _bench.UnlockFlash();
        var started = new List<FlashOperation>();
        Flash.OperationStarted += started.Add;

        _bench.Write(FLASH_CR, PER | BKER | Pnb(4));
        _bench.Set(FLASH_CR, STRT);
        Assert.Equal(BSY, _bench.Read(FLASH_SR) & BSY);
        _bench.Clock.AdvanceMicroseconds(22_000);
        Assert.Equal(0, Flash.CompletedOperations);
        _bench.Clock.AdvanceMicroseconds(20);

        Assert.Equal(0u, _bench.Read(FLASH_SR) & BSY);
        Assert.Equal(0u, _bench.Read(FLASH_CR) & STRT);
        Assert.All(Board.Flash.AsSpan(0x8_0000 + 4 * 2048, 2048).ToArray(), b => Assert.Equal(0xFF, b));
        Assert.All(Board.Flash.AsSpan(0x8_0000 + 3 * 2048, 2048).ToArray(), b => Assert.Equal(0x00, b));
        Assert.All(Board.Flash.AsSpan(0x8_0000 + 5 * 2048, 2048).ToArray(), b => Assert.Equal(0x00, b));
        Assert.All(Board.Flash.AsSpan(3 * 2048, 2048).ToArray(), b => Assert.Equal(0x00, b));
        var erase = Assert.Single(started);
        Assert.Equal(new FlashOperation(FlashOperationKind.PageErase, 0x0808_2000, 2048, 0, 22_020_000_000), erase);
        Assert.Empty(Board.Faults);
    }

    [Fact]
    public void Mass_erase_of_bank_2_leaves_bank_1_alone()
    {
        Array.Fill(Board.Flash, (byte)0x5A);
        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, MER2);
        _bench.Set(FLASH_CR, STRT);
        _bench.Clock.AdvanceMicroseconds(22_130);

        Assert.All(Board.Flash.AsSpan(0, 0x8_0000).ToArray(), b => Assert.Equal(0x5A, b));
        Assert.All(Board.Flash.AsSpan(0x8_0000).ToArray(), b => Assert.Equal(0xFF, b));
    }

    [Fact]
    public void Start_without_an_erase_selected_is_a_sequence_error()
    {
        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, STRT);
        Assert.Equal(PGSERR, _bench.Read(FLASH_SR));
        Assert.Equal(0u, _bench.Read(FLASH_CR) & STRT);
    }

    [Fact]
    public void Changing_the_operation_while_busy_stops_the_run()
    {
        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, PER | Pnb(70));
        _bench.Set(FLASH_CR, STRT);
        _bench.Write(FLASH_CR, PER | Pnb(71) | STRT);
        Assert.Contains(Board.Faults, f => f.Contains("while BSY = 1"));
    }

    [Fact]
    public void A_store_while_busy_stops_the_run()
    {
        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, PG);
        ProgramDoubleWord(0x0802_0000, 1, 2);
        Flash.WriteArray(0x0802_0008, 4, 3);
        Assert.Contains(Board.Faults, f => f.Contains("BSY"));
    }

    [Fact]
    public void Fast_programming_writes_a_row_of_32_double_words()
    {
        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, FSTPG | EOPIE);
        for (uint i = 0; i < 64; i++) Flash.WriteArray(0x0804_0100 + 4 * i, 4, 0xA500_0000 | i);
        Assert.Equal(BSY, _bench.Read(FLASH_SR) & BSY);
        _bench.Clock.AdvanceMicroseconds(4_000);

        Assert.Equal(EOP, _bench.Read(FLASH_SR));
        for (uint i = 0; i < 64; i++) Assert.Equal(0xA500_0000 | i, FlashWord(0x0804_0100 + 4 * i));
        Assert.Equal(0xFFFF_FFFFu, FlashWord(0x0804_0200));
        Assert.Equal(1, Flash.CompletedOperations);
    }

    [Fact]
    public void Fast_programming_that_misses_a_slot_stops_with_MISERR_and_keeps_the_words_received()
    {
        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, FSTPG);
        for (uint i = 0; i < 6; i++) Flash.WriteArray(0x0804_0000 + 4 * i, 4, i);
        _bench.Clock.AdvanceMicroseconds(500);

        Assert.Equal(MISERR | FASTERR, _bench.Read(FLASH_SR));
        Assert.Equal(2u, FlashWord(0x0804_0008));
        Assert.Equal(5u, FlashWord(0x0804_0014));
        Assert.Equal(0xFFFF_FFFFu, FlashWord(0x0804_0018));
    }

    [Fact]
    public void Fast_programming_needs_erased_memory()
    {
        Board.Flash[0x4_0010] = 0x00;
        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, FSTPG);
        Flash.WriteArray(0x0804_0000, 4, 1);
        Assert.Equal(PGSERR, _bench.Read(FLASH_SR));
    }

    [Fact]
    public void A_power_cut_during_a_page_erase_leaves_the_page_neither_old_nor_erased()
    {
        Board.Flash.AsSpan(0x2_0000, 2048).Fill(0x00);
        _bench.UnlockFlash();
        var completed = 0;
        Flash.OperationCompleted += _ => completed++;
        _bench.Write(FLASH_CR, PER | Pnb(64));
        _bench.Set(FLASH_CR, STRT);
        _bench.Clock.AdvanceMicroseconds(10_000);

        _bench.Reset(ResetKind.PowerOn);

        var page = Board.Flash.AsSpan(0x2_0000, 2048).ToArray();
        Assert.DoesNotContain(page, b => b == 0x00 || b == 0xFF);
        Assert.Equal(0, completed);
        Assert.Equal(0u, _bench.Read(FLASH_SR) & BSY);
        Assert.Contains((0x0802_0000u, 2048u), Board.Invalidations);
    }

    [Fact]
    public void A_reset_during_programming_leaves_the_double_word_half_programmed()
    {
        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, PG);
        ProgramDoubleWord(0x0802_0000, 0x0000_0000, 0x1234_5678);
        _bench.Reset(ResetKind.System);
        Assert.Equal(0xF0F0_F0F0u, FlashWord(0x0802_0000));
        Assert.NotEqual(0x1234_5678u, FlashWord(0x0802_0004));
        Assert.NotEqual(0xFFFF_FFFFu, FlashWord(0x0802_0004));
    }

    [Fact]
    public void Too_few_wait_states_for_the_clock_stop_the_run()
    {
        _bench.Write(Bench.RCC_PLLCFGR, 1u | (40u << 8) | (1u << 24));
        _bench.Set(Bench.RCC_CR, 1u << 24);
        _bench.Clock.AdvanceMicroseconds(20);
        _bench.Write(Bench.RCC_CFGR, 3);
        _bench.Clock.AdvanceMicroseconds(1);
        Assert.Contains(Board.Faults, f => f.Contains("LATENCY = 0") && f.Contains("needs 4"));
    }

    [Fact]
    public void The_usual_80_MHz_sequence_sets_latency_first_and_raises_no_fault()
    {
        _bench.ClockTo80MHz();
        Assert.Equal(80_000_000u, Board.Clock.SysclkHz);
        Assert.Empty(Board.Faults);
    }

    [Fact]
    public void Status_flags_clear_by_writing_one()
    {
        _bench.UnlockFlash();
        Flash.WriteArray(0x0802_0000, 4, 0);
        Flash.WriteArray(0x0802_0000, 2, 0);
        Assert.Equal(PGSERR, _bench.Read(FLASH_SR));
        _bench.Write(FLASH_SR, 0);
        Assert.Equal(PGSERR, _bench.Read(FLASH_SR));
        _bench.Write(FLASH_SR, PGSERR);
        Assert.Equal(0u, _bench.Read(FLASH_SR));
    }

    [Fact]
    public void Option_unlock_needs_the_control_register_unlocked_first()
    {
        _bench.Write(FLASH_OPTKEYR, 0x0819_2A3B);
        Assert.Contains(Board.Faults, f => f.Contains("option unlock"));

        var bench = new Bench();
        bench.UnlockFlash();
        bench.Write(FLASH_OPTKEYR, 0x0819_2A3B);
        bench.Write(FLASH_OPTKEYR, 0x4C5D_6E7F);
        Assert.Equal(0u, bench.Read(FLASH_CR) & (1u << 30));
        Assert.Empty(bench.Board.Faults);
    }

    [Fact]
    public void Unmodelled_registers_stop_the_run_with_their_address()
    {
        _bench.Read(FLASH + 0x34); // reserved, between FLASH_WRP1BR and FLASH_PCROP2SR
        var fault = Assert.Single(Board.Faults);
        Assert.Contains("0x40022034", fault);
    }

    [Fact]
    public void Erase_with_both_mass_erase_bits_clears_the_whole_array()
    {
        Array.Fill(Board.Flash, (byte)0);
        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, MER1 | MER2);
        _bench.Set(FLASH_CR, STRT);
        _bench.Clock.AdvanceMicroseconds(22_130);
        Assert.DoesNotContain(Board.Flash, b => b != 0xFF);
    }
}
