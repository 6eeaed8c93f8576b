using System.Globalization;

namespace Stm32Boot;

/// <summary>The one spelling of 32-bit numbers in settings files, command lines and reports: 0x0801ABCD.</summary>
public static class HexNumber
{
    public static string Format(uint value) => $"0x{value:X8}";

    public static string Format(byte value) => $"0x{value:X2}";

    /// <summary>Accepts "0x" or "0X" followed by 1–8 hex digits; a bare number is refused because "800" would
    /// be ambiguous between decimal and hex.</summary>
    public static bool TryParse(string? text, out uint value)
    {
        value = 0;
        if (text is null || text.Length < 3 || text.Length > 10 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X'))
            return false;
        return uint.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }
}
