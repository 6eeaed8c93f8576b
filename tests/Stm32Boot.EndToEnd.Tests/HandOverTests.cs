using Stm32Boot.VirtualBoard;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>What the application finds at its reset vector (docs/design.md §5, "Jump"): a chip as if just out of reset,
/// but for VTOR and MSP pointing at the application.</summary>
public class HandOverTests
{
    private const uint RccBase = 0x4002_1000, FlashAcr = 0x4002_2000, ScbIcsr = 0xE000_ED04;

    private static CpuState AtApplicationResetVector()
    {
        var image = Shipped.Factory();
        var board = VirtualBoards.With(image);
        board.PowerOn();
        var state = board.RunUntilAddress(ImageVariants.Vector(image, 1) & ~1u, 2 * Board.Second);
        Registers = new Dictionary<string, uint>
        {
            ["RCC_CR"] = board.Read(RccBase + 0x00),
            ["RCC_CFGR"] = board.Read(RccBase + 0x08),
            ["RCC_PLLCFGR"] = board.Read(RccBase + 0x0C),
            ["RCC_AHB1ENR"] = board.Read(RccBase + 0x48),
            ["RCC_AHB2ENR"] = board.Read(RccBase + 0x4C),
            ["RCC_AHB3ENR"] = board.Read(RccBase + 0x50),
            ["RCC_APB1ENR1"] = board.Read(RccBase + 0x58),
            ["RCC_APB1ENR2"] = board.Read(RccBase + 0x5C),
            ["RCC_APB2ENR"] = board.Read(RccBase + 0x60),
            ["FLASH_ACR"] = board.Read(FlashAcr),
            ["SCB_ICSR"] = board.Read(ScbIcsr),
        };
        board.Dispose();
        return state;
    }

    private static Dictionary<string, uint> Registers = new();

    [Fact]
    public void Core_state_is_MSP_from_the_vector_table_VTOR_relocated_interrupts_enabled_thread_mode()
    {
        var state = AtApplicationResetVector();
        var image = Shipped.Factory();

        Assert.Equal(ImageVariants.Vector(image, 0), state.Msp);
        Assert.Equal(state.Msp, state.Sp);
        Assert.Equal(Shipped.Map.Image.Base, state.Vtor);
        Assert.False(state.Primask);
        Assert.False(state.Faultmask);
        Assert.Equal(0, state.Basepri);
        Assert.Equal(0u, state.Control);
        Assert.Equal(0, state.Exception);
    }

    [Fact]
    public void SysTick_is_off_and_no_interrupt_is_enabled_or_pending()
    {
        var state = AtApplicationResetVector();

        Assert.Equal((0u, 0u, 0u), (state.SysTickCtrl, state.SysTickLoad, state.SysTickVal));
        Assert.All(state.NvicIser, word => Assert.Equal(0u, word));
        Assert.All(state.NvicIspr, word => Assert.Equal(0u, word));
        Assert.False(state.SysTickPending);
        Assert.False(state.PendSvPending);
    }

    [Fact]
    public void RCC_and_flash_latency_are_back_at_their_reset_values()
    {
        AtApplicationResetVector();

        // RM0351 §6.4: reset values (MSI 4 MHz on, PLL off, only the flash interface clocked).
        Assert.Equal(0x0000_0063u, Registers["RCC_CR"]);
        Assert.Equal(0x0000_0000u, Registers["RCC_CFGR"]);
        Assert.Equal(0x0000_1000u, Registers["RCC_PLLCFGR"]);
        Assert.Equal(0x0000_0100u, Registers["RCC_AHB1ENR"]);
        Assert.Equal(0x0000_0000u, Registers["RCC_AHB2ENR"]);
        Assert.Equal(0x0000_0000u, Registers["RCC_AHB3ENR"]);
        Assert.Equal(0x0000_0000u, Registers["RCC_APB1ENR1"]);
        Assert.Equal(0x0000_0000u, Registers["RCC_APB1ENR2"]);
        Assert.Equal(0x0000_0000u, Registers["RCC_APB2ENR"]);
        Assert.Equal(0x0000_0600u, Registers["FLASH_ACR"]);
    }
}
