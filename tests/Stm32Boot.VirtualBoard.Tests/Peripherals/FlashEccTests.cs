using Stm32Boot.VirtualBoard.Peripherals;
using Xunit;
using static Stm32Boot.VirtualBoard.Tests.Peripherals.Bench;

namespace Stm32Boot.VirtualBoard.Tests.Peripherals;

/// <summary>
/// ECC double errors (RM0351 §3.3.4, FLASH_ECCR): an operation cut by a reset leaves double words whose ECC does
/// not match; reading one sets ECCD with its address and raises the NMI; a completed erase of the page repairs it.
/// </summary>
public sealed class FlashEccTests
{
    private const uint PG = 1u << 0, PER = 1u << 1, BKER = 1u << 11, MER1 = 1u << 2, STRT = 1u << 16;
    private const uint FLASH_ECCR = FLASH + 0x18;
    private const uint ECCD = 1u << 31, ECCC = 1u << 30, ECCIE = 1u << 24, BK_ECC = 1u << 19, ADDR_ECC = 0x7FFFFu;

    private readonly Bench _bench = new();
    private FakeBoard Board => _bench.Board;
    private Flash Flash => _bench.Models.Flash;

    private void ProgramDoubleWord(uint address, uint low, uint high)
    {
        Flash.WriteArray(address, 4, low);
        Flash.WriteArray(address + 4, 4, high);
    }

    /// Starts programming a double word and resets before its 81.69 µs are over.
    private void TearProgramByReset(uint address)
    {
        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, PG);
        ProgramDoubleWord(address, 0x1234_5678, 0x9ABC_DEF0);
        _bench.Clock.AdvanceMicroseconds(40);
        _bench.Reset(ResetKind.PowerOn);
    }

    private void ErasePage(uint page)
    {
        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, PER | ((page % 256) << 3) | (page >= 256 ? BKER : 0));
        _bench.Set(FLASH_CR, STRT);
        _bench.Clock.AdvanceMicroseconds(23_000);
    }

    [Fact]
    public void A_program_cut_by_a_reset_leaves_a_double_word_whose_read_sets_ECCD_with_its_address_and_raises_the_NMI()
    {
        TearProgramByReset(0x0802_0808);

        Assert.True(Flash.HasEccError(0x0802_080C));
        Assert.False(Flash.HasEccError(0x0802_0800));
        Assert.False(Flash.HasEccError(0x0802_0810));
        Assert.Equal([(0x0802_0800u, 2048u)], Board.CheckedFlash);
        Assert.Equal(0u, _bench.Read(FLASH_ECCR)); // the reset left the register clean; only a read detects
        Assert.False(Board.Nmi);

        Flash.ReadArray(0x0802_0800, 4);           // a clean double word of the same page
        Assert.Equal(0u, _bench.Read(FLASH_ECCR));

        Flash.ReadArray(0x0802_080E, 2);           // any byte of the torn one
        Assert.Equal(ECCD | 0x2_0808u, _bench.Read(FLASH_ECCR));
        Assert.True(Board.Nmi);
        Assert.Empty(Board.Faults);
    }

    [Fact]
    public void A_double_word_in_bank_2_reports_BK_ECC_and_its_offset_inside_the_bank()
    {
        TearProgramByReset(0x0808_1230);

        Flash.ReadArray(0x0808_1230, 4);

        var eccr = _bench.Read(FLASH_ECCR);
        Assert.Equal(ECCD | BK_ECC, eccr & ~ADDR_ECC);
        Assert.Equal(0x0_1230u, eccr & ADDR_ECC);
    }

    [Fact]
    public void ECCD_clears_by_writing_1_and_only_then_a_new_error_updates_the_address()
    {
        TearProgramByReset(0x0802_0000);
        TearProgramByReset(0x0802_0100);

        Flash.ReadArray(0x0802_0000, 4);
        Flash.ReadArray(0x0802_0100, 4);          // while ECCD is set, the first address stays
        Assert.Equal(ECCD | 0x2_0000u, _bench.Read(FLASH_ECCR));

        _bench.Write(FLASH_ECCR, 0);               // writing 0 clears nothing
        Assert.True(Board.Nmi);
        _bench.Write(FLASH_ECCR, ECCD | ECCC);
        Assert.Equal(0u, _bench.Read(FLASH_ECCR) & (ECCD | ECCC));
        Assert.False(Board.Nmi);

        Flash.ReadArray(0x0802_0100, 4);
        Assert.Equal(ECCD | 0x2_0100u, _bench.Read(FLASH_ECCR));
    }

    [Fact]
    public void ECCIE_is_read_write_and_survives_an_error_and_its_clearing()
    {
        TearProgramByReset(0x0802_0000);
        _bench.Write(FLASH_ECCR, ECCIE | ADDR_ECC | BK_ECC); // the address and bank fields are read-only
        Assert.Equal(ECCIE, _bench.Read(FLASH_ECCR));

        Flash.ReadArray(0x0802_0000, 4);
        _bench.Write(FLASH_ECCR, ECCIE | ECCD);

        Assert.Equal(ECCIE | 0x2_0000u, _bench.Read(FLASH_ECCR));
    }

    [Fact]
    public void A_completed_erase_of_the_page_repairs_the_ECC_and_ends_the_read_checks()
    {
        TearProgramByReset(0x0802_0808);

        ErasePage(65);

        Assert.False(Flash.HasEccError(0x0802_0808));
        Assert.Empty(Board.CheckedFlash);
        Flash.ReadArray(0x0802_0808, 4);
        Assert.Equal(0u, _bench.Read(FLASH_ECCR));
        Assert.False(Board.Nmi);
    }

    [Fact]
    public void An_erase_of_another_page_leaves_the_error_where_it_is()
    {
        TearProgramByReset(0x0802_0808);

        ErasePage(64);

        Assert.True(Flash.HasEccError(0x0802_0808));
        Assert.Equal([(0x0802_0800u, 2048u)], Board.CheckedFlash);
    }

    [Fact]
    public void A_mass_erase_of_the_bank_repairs_every_page_in_it()
    {
        TearProgramByReset(0x0802_0000);
        TearProgramByReset(0x0804_0000);

        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, MER1);
        _bench.Set(FLASH_CR, STRT);
        _bench.Clock.AdvanceMicroseconds(23_000);

        Assert.False(Flash.HasEccError(0x0802_0000));
        Assert.False(Flash.HasEccError(0x0804_0000));
        Assert.Empty(Board.CheckedFlash);
    }

    [Fact]
    public void An_erase_cut_by_a_reset_leaves_every_double_word_of_its_page_in_error()
    {
        _bench.UnlockFlash();
        _bench.Write(FLASH_CR, PER | (300u % 256 << 3) | BKER);
        _bench.Set(FLASH_CR, STRT);
        _bench.Clock.AdvanceMicroseconds(10_000);
        _bench.Reset(ResetKind.System);

        const uint page = 0x0809_6000;
        Assert.All(Enumerable.Range(0, 256), i => Assert.True(Flash.HasEccError(page + 8u * (uint)i)));
        Assert.False(Flash.HasEccError(page - 8));
        Assert.False(Flash.HasEccError(page + 2048));
        Assert.Equal([(page, 2048u)], Board.CheckedFlash);
    }

    [Fact]
    public void A_reset_clears_FLASH_ECCR_and_the_NMI_but_not_the_bad_double_word()
    {
        TearProgramByReset(0x0802_0000);
        Flash.ReadArray(0x0802_0000, 4);

        _bench.Reset(ResetKind.System);

        Assert.Equal(0u, _bench.Read(FLASH_ECCR));
        Assert.False(Board.Nmi);
        Assert.True(Flash.HasEccError(0x0802_0000));
    }

    [Fact]
    public void Tearing_a_programmed_double_word_clears_its_low_nibbles_and_breaks_its_ECC()
    {
        Board.Flash.AsSpan(0x2_0810, 8).Fill(0x5A);

        Flash.TearDoubleWordProgram(0x0802_0810);

        Assert.Equal(Enumerable.Repeat((byte)0x50, 8), Board.Flash.AsSpan(0x2_0810, 8).ToArray());
        Assert.True(Flash.HasEccError(0x0802_0810));
        Assert.Contains((0x0802_0810u, 8u), Board.Invalidations);
        var wrong = Assert.Throws<ArgumentOutOfRangeException>(() => Flash.TearDoubleWordProgram(0x0802_0814));
        Assert.Contains("not a double-word address", wrong.Message);
    }
}
