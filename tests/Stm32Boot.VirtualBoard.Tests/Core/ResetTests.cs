using Xunit;

namespace Stm32Boot.VirtualBoard.Tests.Core;

public sealed class ResetTests
{
    private static readonly TestFirmware Firmware = TestFirmware.Build("""
        int main(void)
        {
            uint32_t sp;
            __asm volatile("mrs %0, msp" : "=r"(sp));
            RESULT[1] = sp;
            RESULT[0] = 0x600DF00D;
            return 0;
        }
        """);

    [Fact]
    public void Starts_from_the_vector_table_at_address_zero()
    {
        using var machine = Firmware.Boot();
        var cpu = machine.ReadCpu();
        Assert.Equal(0x2001_8000u, cpu.Msp);
        Assert.Equal(Firmware.Symbol("Reset_Handler") & ~1u, cpu.Pc);

        machine.RunFor(1_000_000_000, () => machine.ReadWord(TestFirmware.ResultsBase) == 0x600DF00D);

        Assert.Equal(0x600DF00Du, machine.ReadWord(TestFirmware.ResultsBase));
        Assert.InRange(machine.ReadWord(TestFirmware.ResultsBase + 4), 0x2001_7F00u, 0x2001_8000u);
    }
}
