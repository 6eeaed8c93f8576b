using Xunit;

namespace Stm32Boot.VirtualBoard.Tests.Core;

public sealed class PowerAndResetTests
{
    private const ulong Millisecond = 1_000_000_000;

    // Counts its own boots in SRAM that start-up does not clear; resets itself until it has booted three times.
    private static readonly TestFirmware Firmware = TestFirmware.Build("""
        __attribute__((section(".noinit"))) volatile uint32_t boots;
        int main(void)
        {
            boots++;
            RESULT[1] = boots;
            if (boots < 3)
            {
                __asm volatile("dsb");
                SCB_AIRCR = (0x05FAu << 16) | (1u << 2);   // SYSRESETREQ
                for (;;) {}
            }
            RESULT[0] = 0xD0DE;
            return 0;
        }
        """);

    [Fact]
    public void SYSRESETREQ_resets_the_core_and_keeps_SRAM()
    {
        using var m = Firmware.Boot();
        var result = m.RunFor(10 * Millisecond, () => m.ReadWord(TestFirmware.ResultsBase) == 0xD0DE);

        Assert.Equal(StopReason.Condition, result.Reason);
        Assert.Equal(3u, m.ReadWord(Firmware.Symbol("boots")));
        Assert.Equal([ResetKind.PowerOn, ResetKind.System, ResetKind.System], m.Resets.Select(r => r.Kind));
        Assert.All(m.Resets.Skip(1), r => Assert.Equal("SCB_AIRCR.SYSRESETREQ", r.Reason));
    }

    [Fact]
    public void Power_on_clears_SRAM_and_a_power_cut_starts_over_from_flash()
    {
        using var m = Firmware.Boot();
        m.RunFor(10 * Millisecond, () => m.ReadWord(TestFirmware.ResultsBase) == 0xD0DE);
        Assert.Equal(3u, m.ReadWord(Firmware.Symbol("boots")));

        m.PowerOn();
        Assert.Equal(0u, m.ReadWord(Firmware.Symbol("boots")));
        Assert.Equal(0u, m.ReadWord(TestFirmware.ResultsBase));

        m.RequestPowerCut("test");
        m.RunFor(10 * Millisecond, () => m.ReadWord(TestFirmware.ResultsBase) == 0xD0DE);
        Assert.Equal(3u, m.ReadWord(Firmware.Symbol("boots")));
        Assert.Equal("power cut (test)", m.Resets[^3].Reason);
    }

    [Fact]
    public void A_power_cut_at_a_virtual_time_happens_at_that_time()
    {
        var fw = TestFirmware.Build("""
            int main(void) { for (;;) { RESULT[1]++; } }
            """);
        using var m = fw.Boot();
        m.CutPowerAt(3 * Millisecond, "brown-out");
        m.RunFor(5 * Millisecond);

        var cut = Assert.Single(m.Resets, r => r.Reason == "power cut (brown-out)");
        Assert.Equal(ResetKind.PowerOn, cut.Kind);
        Assert.InRange(cut.AtPs, 3 * Millisecond, 3 * Millisecond + 1_000_000);
    }

    [Fact]
    public void Erased_flash_is_reported_instead_of_executed()
    {
        using var m = new Machine();
        m.PowerOn();
        var fault = Assert.Throws<BoardFaultException>(() => m.RunFor(Millisecond));
        Assert.Contains("reset vector at 0x00000004 is 0xFFFFFFFF", fault.Message);
    }
}
