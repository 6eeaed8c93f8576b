namespace Stm32Boot;

/// <summary>The kinds of file the tools read.</summary>
public enum FirmwareFormat
{
    Elf,
    IntelHex,
    Binary,
}

/// <summary>
/// A firmware file of any supported kind, loaded into a memory image. ELF and HEX are recognised by their
/// content; a raw binary has no addresses, so it is named FILE@ADDRESS (e.g. app.bin@0x08020000), except, where the
/// caller passes the flash, a binary of exactly the flash's size: a whole-flash dump (a programmer's read-out, an
/// `emulate --flash` file), read from the flash base.
/// </summary>
/// <param name="Elf">The ELF itself (sections, symbols) when the file is one.</param>
public sealed record FirmwareFile(string Path, FirmwareFormat Format, MemoryImage Image, uint? StartAddress, ElfImage? Elf = null)
{
    /// <param name="wholeFlash">The flash, when a binary of its size without @ADDRESS is to be read as a dump from its base.</param>
    /// <param name="binaryBase">Where any other binary without @ADDRESS starts, for a caller that knows (stamp --add-header:
    /// the image base); without it such a binary is refused.</param>
    public static FirmwareFile Load(string spec, MemoryRegion? wholeFlash = null, uint? binaryBase = null)
    {
        if (!File.Exists(spec) && SplitBinarySpec(spec) is var (binPath, address))
        {
            if (!File.Exists(binPath))
                throw new MissingFileException($"Binary file '{binPath}' not found.");
            var image = new MemoryImage();
            image.Write(address, File.ReadAllBytes(binPath));
            return new FirmwareFile(binPath, FirmwareFormat.Binary, image, null);
        }

        if (!File.Exists(spec))
            throw new MissingFileException($"File '{spec}' not found.");
        var start = new byte[4];
        using (var stream = File.OpenRead(spec))
            stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);

        if (ElfImage.HasElfMagic(start))
        {
            var elf = ElfImage.Load(spec);
            return new FirmwareFile(spec, FirmwareFormat.Elf, elf.Memory, elf.EntryPoint, elf);
        }

        if (start[0] == (byte)':')
        {
            var hex = IntelHexReader.ReadFile(spec);
            return new FirmwareFile(spec, FirmwareFormat.IntelHex, hex.Image, hex.StartAddress);
        }

        if (wholeFlash is not null && new FileInfo(spec).Length == wholeFlash.Size)
        {
            var dump = new MemoryImage();
            dump.Write(wholeFlash.Base, File.ReadAllBytes(spec));
            return new FirmwareFile(spec, FirmwareFormat.Binary, dump, null);
        }

        if (binaryBase is uint @base)
        {
            var binary = new MemoryImage();
            binary.Write(@base, File.ReadAllBytes(spec));
            return new FirmwareFile(spec, FirmwareFormat.Binary, binary, null);
        }

        throw new Stm32BootException(
            $"'{spec}' is neither an ELF nor an Intel HEX file; for a raw binary say where it starts, e.g. {spec}@0x08020000.");
    }

    private static (string Path, uint Address)? SplitBinarySpec(string spec)
    {
        var at = spec.LastIndexOf('@');
        return at > 0 && HexNumber.TryParse(spec[(at + 1)..], out var address) ? (spec[..at], address) : null;
    }
}
