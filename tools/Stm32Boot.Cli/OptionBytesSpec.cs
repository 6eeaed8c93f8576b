using System.Globalization;
using Stm32Boot.VirtualBoard.Peripherals;

namespace Stm32Boot.Cli;

/// <summary>
/// The text of <c>stm32boot emulate --option-bytes</c>: comma-separated changes to ST's factory option bytes, applied
/// in order. A register by its RM0351 name (<c>optr=0xFFEFF8BB</c>, <c>wrp1ar=0xFF3FFF00</c>, any of the nine) or a
/// named option: <c>rdp=0xBB</c> (0xAA level 0, anything else but 0xCC level 1), <c>iwdg_sw=0</c> (hardware
/// watchdog), <c>bfb2=1</c> (dual-bank boot), <c>wrp1a=0-63</c> (a WRP area's pages within its bank, or
/// <c>none</c>; also wrp1b, wrp2a, wrp2b).
/// </summary>
public static class OptionBytesSpec
{
    // No square brackets: the text also goes into a [Description], which Spectre.Console reads as markup.
    public const string Syntax = "NAME=VALUE, several separated by commas, with NAME a register (optr, pcrop1sr, pcrop1er, wrp1ar, wrp1br, " +
                                 "pcrop2sr, pcrop2er, wrp2ar, wrp2br) and VALUE 0xHEX, or rdp=0xHEX, iwdg_sw=0|1, bfb2=0|1, " +
                                 "wrp1a|wrp1b|wrp2a|wrp2b=FIRST-LAST|none";

    public static OptionBytes Parse(string spec)
    {
        var options = OptionBytes.Factory;
        foreach (var item in spec.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = item.IndexOf('=');
            if (equals <= 0) throw new Stm32BootException($"--option-bytes: '{item}' is not NAME=VALUE ({Syntax}).");
            var name = item[..equals].Trim().ToLowerInvariant();
            var value = item[(equals + 1)..].Trim();
            options = name switch
            {
                "rdp" => options with { Optr = options.Optr & ~OptionBytes.RDP | Number(name, value, 0xFF) },
                "iwdg_sw" => WithBit(options, OptionBytes.IWDG_SW, Bit(name, value)),
                "bfb2" => WithBit(options, OptionBytes.BFB2, Bit(name, value)),
                "wrp1a" or "wrp1b" or "wrp2a" or "wrp2b" => options.With(name + "r", WrpArea(options.Registers, name + "r", value)),
                _ => WithRegister(options, name, Number(name, value, uint.MaxValue)),
            };
        }
        return options;
    }

    private static OptionBytes WithRegister(OptionBytes options, string name, uint value)
    {
        try { return options.With(name, value); }
        catch (ArgumentException) { throw new Stm32BootException($"--option-bytes: '{name}' is not an option register or a named option ({Syntax})."); }
    }

    private static OptionBytes WithBit(OptionBytes options, uint bit, bool set) =>
        options with { Optr = set ? options.Optr | bit : options.Optr & ~bit };

    /// A WRP register holding pages first..last (RM0351 §3.5.2), reserved bits as they were; "none" is start 0xFF above end 0.
    private static uint WrpArea(IReadOnlyList<(string Name, uint Value)> registers, string register, string value)
    {
        var old = registers.Single(r => r.Name == "FLASH_" + register.ToUpperInvariant()).Value & ~OptionBytes.WrpFields;
        if (value.Equals("none", StringComparison.OrdinalIgnoreCase)) return old | 0x0000_00FF;
        var parts = value.Split('-');
        if (parts.Length != 2 || !uint.TryParse(parts[0], CultureInfo.InvariantCulture, out var first) ||
            !uint.TryParse(parts[1], CultureInfo.InvariantCulture, out var last) || first > last || last > 255)
            throw new Stm32BootException($"--option-bytes: {register[..^1]}={value}: give the pages as FIRST-LAST within the bank " +
                                         "(0-255, first not above last), or none.");
        return old | first | (last << 16);
    }

    private static uint Number(string name, string value, uint max)
    {
        if (!HexNumber.TryParse(value, out var number) || number > max)
            throw new Stm32BootException($"--option-bytes: {name}={value} is not a hex number like 0x{max:X} or below.");
        return number;
    }

    private static bool Bit(string name, string value) => value switch
    {
        "0" => false,
        "1" => true,
        _ => throw new Stm32BootException($"--option-bytes: {name}={value}: use 0 or 1."),
    };
}
