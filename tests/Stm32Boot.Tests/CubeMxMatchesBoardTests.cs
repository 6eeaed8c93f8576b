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
        ["USB_DM"] = "USB_OTG_FS_DM",
        ["USB_DP"] = "USB_OTG_FS_DP",
        ["USB_VBUS_EN"] = "GPIO_Output",
        ["USB_OVERCURRENT"] = "GPIO_Input",
    };

    // CubeMX stores no alternate-function number: the signal implies it (DS10969, alternate function table). The
    // board.h constant that each signal's AF must equal:
    private static readonly Dictionary<string, (string Define, ulong Af)> AlternateFunctionOfSignal = new()
    {
        ["USART1_TX"] = ("CONSOLE_AF", 7),
        ["USART1_RX"] = ("CONSOLE_AF", 7),
        ["USB_OTG_FS_DM"] = ("USB_AF", 10),
        ["USB_OTG_FS_DP"] = ("USB_AF", 10),
    };

    // The LSE crystal pins, which CubeMX lists as pins but which are part of the clock tree.
    private static readonly (string Pin, string Signal)[] LseCrystal =
        [("PC14-OSC32_IN (PC14)", "RCC_OSC32_IN"), ("PC15-OSC32_OUT (PC15)", "RCC_OSC32_OUT")];

    // What only the USB host needs: an image without it must not claim it.
    private static readonly string[] UsbOnlyKeys =
        ["USB_OTG_FS.VirtualMode", "RCC.PLLSAI1N", "RCC.PLLSAI1Q", "RCC.CK48CLockSelection", "RCC.USBFreq_Value", "RCC.MSIAutoCalibration"];

    // The pins each image drives; the .ioc of that image must configure exactly these (plus the SWD pins, and the
    // LSE crystal when it runs the USB host).
    public static TheoryData<string, string[]> Images => new()
    {
        { "bootloader.ioc", ["CONSOLE_TX", "CONSOLE_RX", "LED1", "BUTTON", "USB_DM", "USB_DP", "USB_VBUS_EN", "USB_OVERCURRENT"] },
        { "application.ioc", ["CONSOLE_TX", "CONSOLE_RX", "LED2"] },
    };

    // Whether each image runs the USB host (and with it CLK48 and the LSE).
    public static TheoryData<string, bool> UsbHost => new()
    {
        { "bootloader.ioc", true },
        { "application.ioc", false },
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
            .Select(kv => kv.Value)
            .Where(pin => !pin.StartsWith("VP_") && !pin.Contains("SWD") && !pin.Contains("SWCLK") && !LseCrystal.Any(c => c.Pin == pin));
        Assert.Equal(used.Select(p => pins[p]).Order(), configured.Order());
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Alternate_functions_equal_the_platform_constants(string ioc, string[] used)
    {
        var board = BoardDefines();
        var pins = BoardPins();

        foreach (var purpose in used)
            if (AlternateFunctionOfSignal.TryGetValue(SignalOfPin[purpose], out var af))
                Assert.True(board[af.Define] == af.Af,
                    $"{ioc}: {pins[purpose]} carries {SignalOfPin[purpose]}, which is AF{af.Af} (DS10969), so BOARD_{af.Define} must be {af.Af}u (it is {board[af.Define]}u).");
    }

    [Fact]
    public void Usb_power_pins_start_and_pull_as_the_platform_constants_say()
    {
        var flags = BoardFlags();
        var pins = BoardPins();
        var mx = ReadIoc("bootloader.ioc");

        // VBUS stays off until the host starts, so the enable pin's reset level is the "off" one.
        var vbusOff = flags["USB_VBUS_EN_ON"] ? "GPIO_PIN_RESET" : "GPIO_PIN_SET";
        Assert.Equal(vbusOff, mx.GetValueOrDefault($"{pins["USB_VBUS_EN"]}.PinState", "GPIO_PIN_RESET"));

        // The power switch's fault output is open drain: the input is pulled to the level that means "no fault".
        var idle = flags["USB_OVERCURRENT_ACTIVE"] ? "GPIO_PULLDOWN" : "GPIO_PULLUP";
        Assert.Equal(idle, mx.GetValueOrDefault($"{pins["USB_OVERCURRENT"]}.GPIO_PuPd", "GPIO_NOPULL"));
    }

    [Theory]
    [MemberData(nameof(UsbHost))]
    public void Usb_clock_equals_the_platform_constants_where_the_image_runs_the_usb_host(string ioc, bool usesUsb)
    {
        var board = BoardDefines();
        var mx = ReadIoc(ioc);

        if (!usesUsb)
        {
            Assert.All(UsbOnlyKeys, key => Assert.False(mx.ContainsKey(key), $"{ioc}: this image runs no USB host, so {key} must not be set."));
            return;
        }

        Assert.Contains("USB_OTG_FS", mx.Where(kv => kv.Key.StartsWith("Mcu.IP") && kv.Key != "Mcu.IPNb").Select(kv => kv.Value));
        Assert.Equal("Host_Only", mx["USB_OTG_FS.VirtualMode"]);
        Assert.Equal("RCC_USBCLKSOURCE_PLLSAI1", mx["RCC.CK48CLockSelection"]);
        Assert.Equal(board["PLLSAI1N"], ulong.Parse(mx["RCC.PLLSAI1N"]));
        Assert.Equal($"RCC_PLLQ_DIV{board["PLLSAI1Q"]}", mx["RCC.PLLSAI1Q"]);
        Assert.Equal(board["MSI_HZ"] / board["PLLM"] * board["PLLSAI1N"], ulong.Parse(mx["RCC.VCOSAI1OutputFreq_Value"]));
        Assert.Equal(board["CLK48_HZ"], ulong.Parse(mx["RCC.PLLSAI1QoutputFreq_Value"]));
        Assert.Equal(board["CLK48_HZ"], ulong.Parse(mx["RCC.USBFreq_Value"]));

        // CLK48 comes from MSI, which is only accurate enough for USB in PLL mode, locked to the LSE crystal.
        Assert.Equal("ENABLED", mx["RCC.MSIAutoCalibration"]);
        foreach (var (pin, signal) in LseCrystal)
        {
            Assert.Equal("LSE-External-Oscillator", mx[$"{pin}.Mode"]);
            Assert.Equal(signal, mx[$"{pin}.Signal"]);
        }

        Assert.Contains(LseCrystal[0].Pin, mx.Where(kv => kv.Key.StartsWith("Mcu.Pin")).Select(kv => kv.Value));
        Assert.Contains(LseCrystal[1].Pin, mx.Where(kv => kv.Key.StartsWith("Mcu.Pin")).Select(kv => kv.Value));
    }

    private static Dictionary<string, ulong> BoardDefines() =>
        NumberDefine().Matches(File.ReadAllText(Repository.Path("platform", "include", "board.h")))
            .ToDictionary(m => m.Groups[1].Value, m => ulong.Parse(m.Groups[2].Value));

    private static Dictionary<string, bool> BoardFlags() =>
        FlagDefine().Matches(File.ReadAllText(Repository.Path("platform", "include", "board.h")))
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value == "true");

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

    [GeneratedRegex(@"#define\s+BOARD_(\w+)\s+(true|false)\b")]
    private static partial Regex FlagDefine();

    [GeneratedRegex(@"#define\s+BOARD_(\w+)\s+GPIO_PIN\(([A-H]),\s*(\d+)\)")]
    private static partial Regex PinDefine();
}
