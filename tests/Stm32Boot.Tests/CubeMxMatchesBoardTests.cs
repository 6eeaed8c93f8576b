using System.Text.RegularExpressions;
using Xunit;

namespace Stm32Boot.Tests;

/// <summary>
/// cubemx/*.ioc let a team regenerate a HAL project with the same pins and clocks as platform/include/board.h;
/// these tests keep the two from drifting apart. board.h is read as text (its values are plain literals).
/// </summary>
public partial class CubeMxMatchesBoardTests
{
    // What each board.h pin is for, and the CubeMX signal that purpose needs.
    private static readonly Dictionary<string, string> SignalOfPin = new()
    {
        ["CONSOLE_TX"] = "USART1_TX",
        ["CONSOLE_RX"] = "USART1_RX",
        ["LED1"] = "GPIO_Output",
        ["LED2"] = "GPIO_Output",
        ["BUTTON"] = "GPIO_Input",
    };

    // The pins each image drives; the .ioc of that image must configure exactly these (plus the SWD pins).
    public static TheoryData<string, string[]> Images => new()
    {
        { "bootloader.ioc", ["CONSOLE_TX", "CONSOLE_RX", "LED1", "BUTTON"] },
        { "application.ioc", ["CONSOLE_TX", "CONSOLE_RX", "LED2"] },
    };

    [Theory]
    [MemberData(nameof(Images))]
    public void Clock_tree_equals_the_platform_constants(string ioc, string[] _)
    {
        var board = BoardDefines();
        var mx = ReadIoc(ioc);

        Assert.Equal("RCC_PLLSOURCE_MSI", mx["RCC.PLLSourceVirtual"]);
        Assert.Equal("RCC_SYSCLKSOURCE_PLLCLK", mx["RCC.SYSCLKSource"]);
        Assert.Equal(board["MSI_HZ"], ulong.Parse(mx["RCC.MSI_VALUE"]));
        Assert.Equal(board["PLLM"], ulong.Parse(mx["RCC.PLLM"]));
        Assert.Equal(board["PLLN"], ulong.Parse(mx["RCC.PLLN"]));
        Assert.Equal($"RCC_PLLR_DIV{board["PLLR"]}", mx["RCC.PLLR"]);
        Assert.Equal(board["SYSCLK_HZ"], ulong.Parse(mx["RCC.SYSCLKFreq_VALUE"]));
        Assert.Equal(board["SYSCLK_HZ"], ulong.Parse(mx["RCC.HCLKFreq_Value"]));
        Assert.Equal($"FLASH_LATENCY_{board["FLASH_LATENCY"]}", mx["RCC.FLatency-AdvancedSettings"]);
        Assert.Equal(board["CONSOLE_BAUD"], ulong.Parse(mx["USART1.BaudRate"]));
        Assert.Equal("STM32L475VGTx", mx["ProjectManager.DeviceId"]);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Pins_equal_the_platform_constants(string ioc, string[] used)
    {
        var pins = BoardPins();
        var mx = ReadIoc(ioc);

        foreach (var purpose in used)
            Assert.True(mx.TryGetValue($"{pins[purpose]}.Signal", out var signal) && signal == SignalOfPin[purpose],
                $"{ioc}: board.h puts BOARD_{purpose} on {pins[purpose]}, so {pins[purpose]}.Signal must be {SignalOfPin[purpose]} (it is '{signal}').");

        var configured = mx.Where(kv => kv.Key.StartsWith("Mcu.Pin") && kv.Key != "Mcu.PinsNb")
            .Select(kv => kv.Value).Where(pin => !pin.StartsWith("VP_") && !pin.Contains("SWD") && !pin.Contains("SWCLK"));
        Assert.Equal(used.Select(p => pins[p]).Order(), configured.Order());
    }

    private static Dictionary<string, ulong> BoardDefines() =>
        NumberDefine().Matches(File.ReadAllText(Repository.Path("platform", "include", "board.h")))
            .ToDictionary(m => m.Groups[1].Value, m => ulong.Parse(m.Groups[2].Value));

    private static Dictionary<string, string> BoardPins() =>
        PinDefine().Matches(File.ReadAllText(Repository.Path("platform", "include", "board.h")))
            .ToDictionary(m => m.Groups[1].Value, m => $"P{m.Groups[2].Value}{m.Groups[3].Value}");

    // .ioc is Java-properties text: key=value, '#' comments, '\' escapes spaces and colons in keys and values.
    private static Dictionary<string, string> ReadIoc(string name) =>
        File.ReadAllLines(Repository.Path("cubemx", name))
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Replace("\\ ", " ").Replace("\\:", ":").Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv[1]);

    [GeneratedRegex(@"#define\s+BOARD_(\w+)\s+(\d+)u?\b")]
    private static partial Regex NumberDefine();

    [GeneratedRegex(@"#define\s+BOARD_(\w+)\s+GPIO_PIN\(([A-H]),\s*(\d+)\)")]
    private static partial Regex PinDefine();
}
