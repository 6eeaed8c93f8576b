using System.Globalization;

namespace Stm32Boot;

/// <summary>The header's fw_version {major, minor, patch, build}: four 16-bit numbers written "a.b.c.d".</summary>
public readonly record struct FirmwareVersion(ushort Major, ushort Minor, ushort Patch, ushort Build)
{
    /// <param name="text">The version string.</param>
    /// <param name="what">Where the string came from, for the error message (e.g. "--version").</param>
    public static FirmwareVersion Parse(string? text, string what)
    {
        var parts = (text ?? "").Split('.');
        var numbers = new ushort[4];
        var valid = parts.Length == 4;
        for (var i = 0; valid && i < 4; i++)
        {
            // Digits only: ushort.TryParse alone would accept " 1", "+1" and "١".
            valid = parts[i].Length > 0 && parts[i].All(char.IsAsciiDigit) &&
                    ushort.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]);
        }

        if (!valid)
            throw new Stm32BootException(
                $"{what} '{text}' is not a version a.b.c.d of four numbers 0..65535 (for example 1.2.0.7).");
        return new FirmwareVersion(numbers[0], numbers[1], numbers[2], numbers[3]);
    }

    public override string ToString() => $"{Major}.{Minor}.{Patch}.{Build}";
}
