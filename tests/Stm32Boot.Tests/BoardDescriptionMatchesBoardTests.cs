using System.Text.Json;
using System.Text.RegularExpressions;
using Stm32Boot.VirtualBoard;
using Stm32Boot.VirtualBoard.Peripherals;
using Xunit;

namespace Stm32Boot.Tests;

/// <summary>
/// The board is described twice: for the firmware in platform/include/board.h, for the virtual board in
/// tools/Stm32Boot.VirtualBoard/BoardDescription.cs (and its flash size once more in build/settings.json). A port
/// edits both (docs/porting.md); these tests make sure they still describe the same board, so that what passes on
/// the virtual board is what the firmware was built for. board.h is read as text: its values are literals or
/// RM0351 names, resolved here through the register headers that define them.
/// </summary>
public partial class BoardDescriptionMatchesBoardTests
{
    public static TheoryData<string, string> Pins => new()
    {
        { "LED1", nameof(BoardDescription.Led1) },
        { "LED2", nameof(BoardDescription.Led2) },
        { "BUTTON", nameof(BoardDescription.Button) },
        { "CONSOLE_TX", nameof(BoardDescription.ConsoleTx) },
        { "CONSOLE_RX", nameof(BoardDescription.ConsoleRx) },
        { "USB_DM", nameof(BoardDescription.UsbDm) },
        { "USB_DP", nameof(BoardDescription.UsbDp) },
        { "USB_VBUS_EN", nameof(BoardDescription.UsbVbusEnable) },
        { "USB_OVERCURRENT", nameof(BoardDescription.UsbOverCurrent) },
    };

    [Theory]
    [MemberData(nameof(Pins))]
    public void Each_board_pin_is_the_same_pin_on_the_virtual_board(string define, string field)
    {
        var pin = (BoardPin)typeof(BoardDescription).GetField(field)!.GetValue(null)!;
        var match = Regex.Match(BoardH, $@"#define\s+BOARD_{define}\s+GPIO_PIN\(([A-H]),\s*(\d+)\)");

        Assert.True(match.Success, $"board.h has no BOARD_{define} GPIO_PIN(port, pin)");
        Assert.True(new BoardPin(match.Groups[1].Value[0], int.Parse(match.Groups[2].Value)) == pin,
            $"board.h puts BOARD_{define} on P{match.Groups[1].Value}{match.Groups[2].Value}, BoardDescription.{field} is {pin}: edit both (docs/porting.md).");
    }

    [Fact]
    public void Active_levels_and_alternate_functions_are_the_same()
    {
        Assert.Equal(BoardDescription.ButtonPressedLevel, Flag("BUTTON_PRESSED"));
        Assert.Equal(BoardDescription.UsbVbusEnableOnLevel, Flag("USB_VBUS_EN_ON"));
        Assert.Equal(BoardDescription.UsbOverCurrentActiveLevel, Flag("USB_OVERCURRENT_ACTIVE"));
        Assert.Equal((ulong)BoardDescription.ConsoleAlternateFunction, Number("CONSOLE_AF"));
        Assert.Equal((ulong)BoardDescription.UsbAlternateFunction, Number("USB_AF"));
    }

    [Fact]
    public void The_console_usart_its_interrupt_and_its_receive_dma_are_the_same()
    {
        var usart = BoardDescription.ConsoleUsart;

        // The instance: BOARD_CONSOLE_USART names a regs/usart.h instance, whose base address is the model's.
        var name = Name("CONSOLE_USART");
        Assert.Equal(usart.Name, name);
        Assert.Equal((ulong)usart.BaseAddress, HeaderNumber(UsartH, $"{name}_BASE"));
        Assert.Equal($"{name}_IRQn", Name("CONSOLE_IRQn"));
        Assert.Equal((ulong)usart.Irq, HeaderNumber(UsartH, $"{name}_IRQn"));
        Assert.Equal($"{name}_IRQHandler", Name("CONSOLE_IRQHandler"));
        Assert.Contains($"    {name}_IRQHandler,  /* {usart.Irq} */", File.ReadAllText(Repository.Path("platform", "src", "vectors.c")));

        // Its clock enable: rcc.h's RCC_PERIPH_x names the bus register and bit the model gates it with.
        Assert.Equal($"RCC_PERIPH_{name}", Name("CONSOLE_USART_RCC"));
        var periph = Regex.Match(File.ReadAllText(Repository.Path("platform", "include", "rcc.h")),
            $@"#define\s+RCC_PERIPH_{name}\s+\(\(rcc_periph_t\)\{{\s*RCC_BUS_(\w+),\s*(RCC_\w+EN)\s*\}}\)");
        Assert.True(periph.Success, $"rcc.h defines no RCC_PERIPH_{name}");
        // RCC_APB2ENR at 0x60, RCC_APB1ENR1 at 0x58 (RM0351 §6.4, RCC register map).
        var register = periph.Groups[1].Value switch { "APB2" => 0x60u, "APB1_1" => 0x58u, var bus => throw new Xunit.Sdk.XunitException($"bus {bus}") };
        var mask = HeaderNumber(RegsRccH, periph.Groups[2].Value);
        Assert.Equal(new ClockGate(register, System.Numerics.BitOperations.TrailingZeroCount(mask)), usart.Gate);
        // USART1's bus clock is PCLK2 (APB2), the others' PCLK1: the firmware's BOARD_CONSOLE_KERNEL_HZ() must agree
        // as long as it reads one of them; this clock tree keeps both undivided.
        Assert.Equal(usart.OnApb2, periph.Groups[1].Value == "APB2");

        // The receive DMA: the channel and request board.h programs must be one of those RM0351 routes the request to.
        var dma = Name("CONSOLE_RX_DMA");
        Assert.Equal($"RCC_PERIPH_{dma}", Name("CONSOLE_RX_DMA_RCC"));
        var route = new DmaRoute(int.Parse(dma["DMA".Length..]), (int)Number("CONSOLE_RX_DMA_CHANNEL"), (uint)Number("CONSOLE_RX_DMA_REQUEST"));
        Assert.Contains(route, usart.RxDmaRoutes);
    }

    [Fact]
    public void The_device_id_is_the_same()
    {
        Assert.Equal((ulong)BoardDescription.DeviceId, Number("DEVICE_ID"));
        Assert.Equal(BoardDescription.DeviceId, DbgMcu.IdCode & 0xFFF);
    }

    [Fact]
    public void The_flash_size_is_the_one_the_build_settings_give()
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(Repository.Path("build", "settings.json")));
        var flashSize = settings.RootElement.GetProperty("MemoryMap").GetProperty("FlashSize").GetString()!;

        Assert.Equal(BoardDescription.FlashSize, Convert.ToUInt32(flashSize, 16));
        Assert.Equal(BoardDescription.FlashSize, Machine.FlashSize);
    }

    private static readonly string BoardH = File.ReadAllText(Repository.Path("platform", "include", "board.h"));
    private static readonly string UsartH = File.ReadAllText(Repository.Path("platform", "include", "regs", "usart.h"));
    private static readonly string RegsRccH = File.ReadAllText(Repository.Path("platform", "include", "regs", "rcc.h"));

    private static bool Flag(string define) => Single(define, @"(true|false)\b") == "true";
    private static ulong Number(string define) => Parse(Single(define, @"(0x[0-9A-Fa-f]+|\d+)u?\b"));
    private static ulong Parse(string literal) => literal.StartsWith("0x") ? Convert.ToUInt64(literal, 16) : ulong.Parse(literal);
    private static string Name(string define) => Single(define, @"([A-Za-z_]\w*)\b");

    private static string Single(string define, string value)
    {
        var match = Regex.Match(BoardH, $@"#define\s+BOARD_{Regex.Escape(define)}\s+{value}");
        Assert.True(match.Success, $"board.h has no BOARD_{define} of the form {value}");
        return match.Groups[1].Value;
    }

    private static ulong HeaderNumber(string header, string name)
    {
        var match = Regex.Match(header, $@"#define\s+{Regex.Escape(name)}\s+\(?(0x[0-9A-Fa-f]+|\d+)u(?:\s*<<\s*(\d+)\))?");
        Assert.True(match.Success, $"no #define {name} with a number");
        var value = Parse(match.Groups[1].Value);
        return match.Groups[2].Success ? value << int.Parse(match.Groups[2].Value) : value;
    }
}
