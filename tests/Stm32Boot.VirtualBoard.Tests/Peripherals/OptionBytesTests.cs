using Stm32Boot.VirtualBoard.Peripherals;
using Xunit;
using static Stm32Boot.VirtualBoard.Tests.Peripherals.Bench;

namespace Stm32Boot.VirtualBoard.Tests.Peripherals;

/// <summary>
/// The option bytes (RM0351 §3.4, §3.5): registers writable only with OPTLOCK cleared, OPTSTRT into option-byte
/// pages that survive resets, loading at power-on and OBL_LAUNCH only, complement mismatch after a cut, WRP and PCROP
/// against erase and program, RDP regression, IWDG_SW.
/// </summary>
public sealed class OptionBytesTests
{
    private const uint PG = 1u << 0, PER = 1u << 1, MER1 = 1u << 2, BKER = 1u << 11, MER2 = 1u << 15,
        STRT = 1u << 16, OPTSTRT = 1u << 17, OBL_LAUNCH = 1u << 27, OPTLOCK = 1u << 30, LOCK = 1u << 31;
    private const uint WRPERR = 1u << 4, PGSERR = 1u << 7, OPTVERR = 1u << 15, BSY = 1u << 16;
    private const uint FLASH_WRP1AR = FLASH + 0x2C, FLASH_WRP1BR = FLASH + 0x30, FLASH_PCROP1SR = FLASH + 0x24,
        FLASH_WRP2AR = FLASH + 0x4C;
    private const uint OBLRSTF = 1u << 25;
    private const double ProgrammingUs = 2 * 22_020 + 9 * 81.69;

    private readonly Bench _bench = new();
    private FakeBoard Board => _bench.Board;
    private Flash Flash => _bench.Models.Flash;

    private void UnlockOptions()
    {
        _bench.UnlockFlash();
        _bench.Write(FLASH_OPTKEYR, Flash.OPTKEY1);
        _bench.Write(FLASH_OPTKEYR, Flash.OPTKEY2);
    }

    /// The documented sequence (RM0351 §3.4.2): unlock, write the registers, OPTSTRT, wait for BSY to fall.
    private void Program(params (uint Register, uint Value)[] writes)
    {
        UnlockOptions();
        foreach (var (register, value) in writes) _bench.Write(register, value);
        _bench.Set(FLASH_CR, OPTSTRT);
        _bench.Clock.AdvanceMicroseconds(ProgrammingUs);
        Assert.Equal(0u, _bench.Read(FLASH_SR) & BSY);
    }

    private void ErasePage(uint page)
    {
        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, PER | ((page % 256) << 3) | (page >= 256 ? BKER : 0));
        _bench.Set(FLASH_CR, STRT);
        _bench.Clock.AdvanceMicroseconds(22_020);
    }

    [Fact]
    public void Out_of_reset_the_registers_show_the_factory_option_bytes()
    {
        foreach (var (name, value) in OptionBytes.Factory.Registers)
            Assert.Equal(value, _bench.Read(FLASH + OffsetOf(name)));
        Assert.Equal(OptionBytes.Factory, Flash.LoadedOptions);
        Assert.Empty(Board.Faults);
    }

    private static uint OffsetOf(string register) => register switch
    {
        "FLASH_OPTR" => 0x20, "FLASH_PCROP1SR" => 0x24, "FLASH_PCROP1ER" => 0x28, "FLASH_WRP1AR" => 0x2C,
        "FLASH_WRP1BR" => 0x30, "FLASH_PCROP2SR" => 0x44, "FLASH_PCROP2ER" => 0x48, "FLASH_WRP2AR" => 0x4C,
        _ => 0x50,
    };

    [Fact]
    public void The_option_registers_ignore_writes_while_OPTLOCK_is_set()
    {
        _bench.UnlockFlash();
        _bench.Write(FLASH_OPTR, 0xFFEF_F8BB);
        _bench.Write(FLASH_WRP1AR, 0x003F_0000);
        Assert.Equal(0xFFEF_F8AAu, _bench.Read(FLASH_OPTR));
        Assert.Equal(0xFF00_FFFFu, _bench.Read(FLASH_WRP1AR));
    }

    [Fact]
    public void OPTSTRT_and_OBL_LAUNCH_are_ignored_while_OPTLOCK_is_set()
    {
        _bench.UnlockFlash();
        _bench.Set(FLASH_CR, OPTSTRT | OBL_LAUNCH);
        Assert.Equal(0u, _bench.Read(FLASH_SR) & BSY);
        Assert.Equal(0u, _bench.Read(FLASH_CR) & (OPTSTRT | OBL_LAUNCH));
        Assert.Empty(Board.ResetRequests);
    }

    [Fact]
    public void Setting_LOCK_sets_OPTLOCK_too()
    {
        UnlockOptions();
        Assert.Equal(0u, _bench.Read(FLASH_CR) & OPTLOCK);
        _bench.Set(FLASH_CR, LOCK);
        Assert.Equal(LOCK | OPTLOCK, _bench.Read(FLASH_CR) & (LOCK | OPTLOCK));
    }

    [Fact]
    public void Unlocked_writes_change_only_the_option_fields()
    {
        UnlockOptions();
        _bench.Write(FLASH_OPTR, 0x0000_00BB);   // every field 0 except RDP; reserved bits stay as they are
        _bench.Write(FLASH_WRP1AR, 0xFFFF_FFFF);
        Assert.Equal(0xFFEF_F8AAu & ~OptionBytes.OptrFields | 0xBB, _bench.Read(FLASH_OPTR));
        Assert.Equal(0xFFFF_FFFFu, _bench.Read(FLASH_WRP1AR));
    }

    [Fact]
    public void OPTSTRT_programs_the_option_pages_while_BSY_and_the_old_options_stay_in_force_until_loaded()
    {
        var started = new List<FlashOperation>();
        Flash.OperationStarted += started.Add;
        UnlockOptions();
        _bench.Write(FLASH_WRP1AR, 0x003F_0000);
        _bench.Set(FLASH_CR, OPTSTRT);

        var operation = Assert.Single(started);
        Assert.Equal(FlashOperationKind.OptionBytesProgram, operation.Kind);
        _bench.Clock.AdvanceMicroseconds(ProgrammingUs - 1);
        Assert.Equal(BSY, _bench.Read(FLASH_SR) & BSY);
        Assert.Equal(0xFF00_FFFFu, Flash.StoredOptions.Wrp1ar);
        _bench.Clock.AdvanceMicroseconds(1);
        Assert.Equal(0u, _bench.Read(FLASH_SR) & BSY);
        Assert.Equal(0u, _bench.Read(FLASH_CR) & OPTSTRT);

        // Stored, the registers read the new value, but the chip still works with the loaded one.
        // Pages 0-63 (start 0x00, end 0x3F); the reserved bits keep their 1s.
        Assert.Equal(0xFF3F_FF00u, Flash.StoredOptions.Wrp1ar);
        Assert.Equal(0xFF3F_FF00u, _bench.Read(FLASH_WRP1AR));
        Assert.Equal(0xFF00_FFFFu, Flash.LoadedOptions.Wrp1ar);
        ErasePage(10);
        Assert.Equal(0u, _bench.Read(FLASH_SR) & WRPERR);

        // A system reset does not load the option bytes: the registers show the loaded values again.
        _bench.Reset(ResetKind.System);
        Assert.Equal(0xFF00_FFFFu, _bench.Read(FLASH_WRP1AR));
        // A power-on does.
        _bench.Reset(ResetKind.PowerOn);
        Assert.Equal(0xFF3F_FF00u, _bench.Read(FLASH_WRP1AR));
        Assert.Equal((0u, 63u), Assert.Single(Flash.LoadedOptions.WrpAreas(1)));
        Assert.Empty(Board.Faults);
    }

    [Fact]
    public void OBL_LAUNCH_resets_the_chip_with_OBLRSTF_and_that_reset_loads_the_option_bytes()
    {
        Program((FLASH_OPTR, 0xFFEF_F8BB));
        _bench.Set(FLASH_CR, OBL_LAUNCH);

        Assert.Contains("OBL_LAUNCH", Assert.Single(Board.ResetRequests));
        Assert.Equal(OBLRSTF, _bench.Read(RCC_CSR) & OBLRSTF);
        _bench.Reset(ResetKind.System);
        Assert.Equal(0xBBu, Flash.LoadedOptions.Rdp);
        Assert.Equal(1, Flash.LoadedOptions.RdpLevel);
        Assert.Equal(0u, _bench.Read(FLASH_SR) & OPTVERR);
    }

    [Fact]
    public void OPTSTRT_after_an_unhandled_programming_error_is_a_sequence_error()
    {
        UnlockOptions();
        Flash.WriteArray(0x0808_0000, 4, 0); // no PG: PGSERR
        _bench.Set(FLASH_CR, OPTSTRT);
        Assert.Equal(PGSERR, _bench.Read(FLASH_SR) & (PGSERR | BSY));
        Assert.Equal(OptionBytes.Factory, Flash.StoredOptions);
    }

    [Theory]
    [InlineData(0u, 0u, 63u)]    // the bootloader's pages
    [InlineData(5u, 5u, 5u)]     // start = end: one page
    public void A_page_in_a_WRP_area_cannot_be_erased_or_programmed(uint page, uint first, uint last)
    {
        Program((FLASH_WRP1AR, (last << 16) | first));
        _bench.Reset(ResetKind.PowerOn);
        Array.Fill(Board.Flash, (byte)0x5A, (int)(page * 2048), 2048);

        ErasePage(page);
        Assert.Equal(WRPERR, _bench.Read(FLASH_SR) & WRPERR);
        Assert.All(Board.Flash.AsSpan((int)(page * 2048), 2048).ToArray(), b => Assert.Equal(0x5A, b));

        _bench.Write(FLASH_SR, WRPERR);
        ErasePage(last + 1); // the first page after the area is free
        Assert.Equal(0u, _bench.Read(FLASH_SR) & WRPERR);

        _bench.Write(FLASH_CR, PG);
        Flash.WriteArray(Flash.ArrayBase + page * 2048 + 8, 4, 0);
        Flash.WriteArray(Flash.ArrayBase + page * 2048 + 12, 4, 0);
        Assert.Equal(WRPERR, _bench.Read(FLASH_SR) & WRPERR);
        Assert.Equal(0x5A5A_5A5Au, BitConverter.ToUInt32(Board.Flash, (int)(page * 2048 + 8)));
    }

    [Fact]
    public void Start_above_end_protects_nothing_and_bank_2_areas_count_pages_within_bank_2()
    {
        Program((FLASH_WRP1BR, 0x0000_0001), (FLASH_WRP2AR, 0x0002_0002));
        _bench.Reset(ResetKind.PowerOn);

        ErasePage(0);
        ErasePage(1);
        Assert.Equal(0u, _bench.Read(FLASH_SR) & WRPERR);
        ErasePage(256 + 2);
        Assert.Equal(WRPERR, _bench.Read(FLASH_SR) & WRPERR);
    }

    [Fact]
    public void A_mass_erase_of_a_bank_with_a_protected_area_fails_and_the_other_bank_erases()
    {
        Program((FLASH_WRP1AR, 0x003F_0000));
        _bench.Reset(ResetKind.PowerOn);
        Array.Fill(Board.Flash, (byte)0);

        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, MER1);
        _bench.Set(FLASH_CR, STRT);
        Assert.Equal(WRPERR, _bench.Read(FLASH_SR) & WRPERR);
        Assert.Equal(0u, _bench.Read(FLASH_SR) & BSY);

        _bench.Write(FLASH_SR, WRPERR);
        _bench.Write(FLASH_CR, MER2);
        _bench.Set(FLASH_CR, STRT);
        _bench.Clock.AdvanceMicroseconds(22_130);
        Assert.Equal(0u, _bench.Read(FLASH_SR) & WRPERR);
        Assert.DoesNotContain(Board.Flash.AsSpan(512 * 1024).ToArray(), b => b != 0xFF);
        Assert.DoesNotContain(Board.Flash.AsSpan(0, 512 * 1024).ToArray(), b => b != 0);
    }

    [Fact]
    public void Going_from_RDP_level_1_back_to_0_mass_erases_the_flash()
    {
        Program((FLASH_OPTR, 0xFFEF_F8BB));
        _bench.Reset(ResetKind.PowerOn);
        Array.Fill(Board.Flash, (byte)0x12);

        Program((FLASH_OPTR, 0xFFEF_F8AA));
        Assert.DoesNotContain(Board.Flash, b => b != 0xFF);
        _bench.Reset(ResetKind.PowerOn);
        Assert.Equal(0, Flash.LoadedOptions.RdpLevel);
    }

    [Fact]
    public void RDP_level_2_is_refused_because_it_cannot_be_undone()
    {
        UnlockOptions();
        _bench.Write(FLASH_OPTR, 0xFFEF_F8CC);
        _bench.Set(FLASH_CR, OPTSTRT);
        Assert.Contains(Board.Faults, f => f.Contains("level 2 is irreversible"));
        Assert.Equal(OptionBytes.Factory, Flash.StoredOptions);
        Assert.Throws<ArgumentException>(() => Flash.ProgramOptionBytes(OptionBytes.Factory with { Optr = 0xFFEF_F8CC }));
    }

    [Fact]
    public void IWDG_SW_0_starts_the_watchdog_at_every_reset()
    {
        Assert.False(_bench.Models.Iwdg.Running);
        Program((FLASH_OPTR, 0xFFEF_F8AA & ~OptionBytes.IWDG_SW));
        _bench.Reset(ResetKind.PowerOn);
        Assert.True(_bench.Models.Iwdg.Running);
        _bench.Reset(ResetKind.System);
        Assert.True(_bench.Models.Iwdg.Running);
        Assert.Equal(0.512, _bench.Models.Iwdg.TimeoutPs / 1e12, 3); // (0xFFF + 1) x 4 / 32 kHz
    }

    [Fact]
    public void Options_the_board_does_not_model_stop_the_run_when_loaded()
    {
        Flash.ProgramOptionBytes(OptionBytes.Factory with { Optr = 0xFFEF_F8AA & ~OptionBytes.DUALBANK });
        _bench.Reset(ResetKind.PowerOn);
        Assert.Contains(Board.Faults, f => f.Contains("DUALBANK = 0"));
    }

    /// A power cut during OPTSTRT: the pages hold neither the old nor the new option bytes; loading forces RM0351's
    /// mismatch values where value and complement disagree, and sets OPTVERR, again after every system reset.
    [Theory]
    [InlineData(10_000.0, true, true, false)]                  // erasing bank 1's page: bank 2's untouched
    [InlineData(30_000.0, true, true, true)]                   // erasing bank 2's page: bank 1 erased, not written
    [InlineData(2 * 22_020 + 2.5 * 81.69, false, true, true)]  // FLASH_OPTR and PCROP1SR written, PCROP1ER torn
    [InlineData(2 * 22_020 + 6.5 * 81.69, false, false, true)] // bank 1 done, PCROP2SR written, PCROP2ER torn
    public void A_power_cut_during_OPTSTRT_loads_the_mismatch_values_with_OPTVERR(double cutUs, bool optrLost, bool bank1Lost,
                                                                                 bool pcrop2Lost)
    {
        UnlockOptions();
        _bench.Write(FLASH_OPTR, 0xFFEF_F8BB);
        _bench.Write(FLASH_WRP1AR, 0x003F_0000);
        _bench.Set(FLASH_CR, OPTSTRT);
        _bench.Clock.AdvanceMicroseconds(cutUs);
        _bench.Reset(ResetKind.PowerOn);

        Assert.False(Flash.StoredOptionsConsistent);
        Assert.True(Flash.OptionLoadError);
        Assert.Equal(OPTVERR, _bench.Read(FLASH_SR) & OPTVERR);
        var loaded = Flash.LoadedOptions;
        // The user options: every option bit 1 but BOR_LEV 000, RDP level 1 (0xFF) - BFB2 = 1 among them.
        Assert.Equal(optrLost ? 0xFFFF_F8FFu : 0xFFEF_F8BBu, _bench.Read(FLASH_OPTR));
        Assert.Equal(optrLost, loaded.Bfb2);
        Assert.Equal(1, loaded.RdpLevel);
        // PCROP: "all memory protected"; WRP: "no protection".
        Assert.Equal(bank1Lost ? (0u, 0xFFFFu) : null, loaded.PcropArea(1));
        Assert.Equal(bank1Lost ? [] : [(0u, 63u)], loaded.WrpAreas(1));
        Assert.Equal(pcrop2Lost ? (0u, 0xFFFFu) : null, loaded.PcropArea(2));

        _bench.Write(FLASH_SR, OPTVERR);
        _bench.Reset(ResetKind.System);
        Assert.Equal(OPTVERR, _bench.Read(FLASH_SR) & OPTVERR);
    }

    [Fact]
    public void A_completed_OPTSTRT_rewrites_every_pair_and_the_next_loading_has_no_OPTVERR()
    {
        Flash.ProgramOptionBytes(OptionBytes.Factory);
        UnlockOptions();
        _bench.Set(FLASH_CR, OPTSTRT);
        _bench.Clock.AdvanceMicroseconds(10_000);
        _bench.Reset(ResetKind.PowerOn);
        Assert.True(Flash.OptionLoadError);
        Board.Faults.Clear();

        Program((FLASH_OPTR, 0xFFEF_F8BB), (FLASH_PCROP1SR, 0xFFFF_FFFF), (FLASH_PCROP1SR + 4, 0x0000_0000),
                (FLASH + 0x44, 0xFFFF_FFFF), (FLASH + 0x48, 0));
        _bench.Reset(ResetKind.PowerOn);
        Assert.False(Flash.OptionLoadError);
        Assert.Equal(0u, _bench.Read(FLASH_SR) & OPTVERR);
        Assert.Null(Flash.LoadedOptions.PcropArea(1));
    }

    [Fact]
    public void A_PCROP_area_is_write_protected_and_a_CPU_read_of_it_stops_the_run()
    {
        Flash.ProgramOptionBytes(OptionBytes.Factory with { Pcrop2sr = 0xFFFF_0010, Pcrop2er = 0x0FFF_001F });
        _bench.Reset(ResetKind.PowerOn);
        const uint areaStart = Flash.ArrayBase + Flash.BankSize + 0x10 * 8;

        Assert.Contains((Flash.ArrayBase + Flash.BankSize, Flash.PageSize), Board.CheckedFlash);
        ErasePage(256);
        Assert.Equal(WRPERR, _bench.Read(FLASH_SR) & WRPERR);

        Flash.ReadArray(areaStart - 8, 4);   // the double word before the area
        Assert.Empty(Board.Faults);
        Flash.ReadArray(areaStart, 4);
        Assert.Contains("PCROP", Assert.Single(Board.Faults));
    }
}
