namespace Stm32Boot;

/// <summary>
/// The name of the .hex file the bootloader looks for in the root directory of a USB drive (UsbFirmwareName in
/// build/settings.json): an 8.3 or long FAT file name, matched without regard to ASCII case. Every name this type
/// holds is one the bootloader can actually find, so a setting that could never match is refused at build time.
/// </summary>
public sealed record UsbFirmwareName
{
    /// <summary>A FAT long file name has at most 255 characters.</summary>
    public const int MaxLength = 255;

    private const string Extension = ".hex";

    // Characters a FAT long file name cannot hold besides '/', '\' and ':' (which are refused as path separators).
    private const string FatForbidden = "\"*<>?|";

    private UsbFirmwareName(string value) => Value = value;

    public string Value { get; }

    /// <param name="text">The configured name.</param>
    /// <param name="what">The setting it came from, for error messages (e.g. "UsbFirmwareName").</param>
    public static UsbFirmwareName Parse(string text, string what)
    {
        if (text.Length == 0)
            throw new Stm32BootException($"{what} is empty: name the .hex file the bootloader looks for in the drive's root directory, for example FIRMWARE.HEX.");
        if (text.Length > MaxLength)
            throw new Stm32BootException($"{what} is {text.Length} characters long; a FAT file name holds at most {MaxLength}.");

        // Control characters are reported by code point, before the name itself is ever quoted in a message.
        for (var i = 0; i < text.Length; i++)
            if (char.IsControl(text[i]))
                throw new Stm32BootException($"{what} contains the control character U+{(int)text[i]:X4} at position {i + 1}; a file name cannot contain control characters.");

        foreach (var c in text)
        {
            if (c is '/' or '\\' or ':')
                throw new Stm32BootException($"{what} '{text}' contains '{c}': it names a file in the drive's root directory, not a path.");
            if (!char.IsAscii(c))
                throw new Stm32BootException($"{what} '{text}' contains '{c}', which is not ASCII: the bootloader reads other characters of " +
                                             "long file names as '?', so it would never find this file.");
            if (FatForbidden.Contains(c))
                throw new Stm32BootException($"{what} '{text}' contains '{c}', which a FAT file name cannot contain ({FatForbidden} / \\ :).");
        }

        if (!text.EndsWith(Extension, StringComparison.OrdinalIgnoreCase))
            throw new Stm32BootException($"{what} '{text}' must end in {Extension} (any case): the bootloader reads Intel HEX files only.");
        return new UsbFirmwareName(text);
    }

    public override string ToString() => Value;
}
