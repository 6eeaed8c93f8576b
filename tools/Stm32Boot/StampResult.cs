namespace Stm32Boot;

/// <summary>A stamped application: the header that was written and the header + image bytes, ready to be
/// written as HEX, BIN and (for an ELF input) a patched ELF.</summary>
/// <param name="Image">The stamped header at the header base and the image (gaps filled with 0xFF).</param>
/// <param name="StartAddress">The input's entry point, kept for the HEX 05 record.</param>
/// <param name="ElfHeaderFileOffset">Where the .image_header bytes sit in the input ELF; null for a HEX input.</param>
/// <param name="ElfSignatureSection">The input ELF's .image_signature section, which the stamped ELF holds the signature
/// block (or erased bytes) in; null for a HEX input or an ELF without one.</param>
public sealed record StampResult(
    string InputPath,
    MemoryMap Map,
    ImageHeader Header,
    MemoryImage Image,
    uint? StartAddress,
    long? ElfHeaderFileOffset,
    ElfSection? ElfSignatureSection = null)
{
    /// <summary>From the header base: the header page (header, then 0xFF) and the image. This is what
    /// <c>stm32flash -w app.bin -S 0x08020000</c> takes.</summary>
    public byte[] ToBinary() => Image.Read(Map.Header.Base, (int)(Image.EndAddress - Map.Header.Base), 0xFF);

    /// <summary>Writes NAME.hex, NAME.bin and, for an ELF input, NAME.elf (the input with the stamped header and
    /// signature block patched in, so a debugger loads the same bytes). Returns the paths written.</summary>
    public IReadOnlyList<string> WriteTo(string outputDirectory, string name)
    {
        if (name.Length == 0 || name.IndexOfAny(['/', '\\']) >= 0 || name is "." or "..")
            throw new Stm32BootException($"output name '{name}' must be a plain file name without a directory, like 'application'.");

        var outputs = new List<string> { Path.Combine(outputDirectory, name + ".hex"), Path.Combine(outputDirectory, name + ".bin") };
        if (ElfHeaderFileOffset is not null)
            outputs.Add(Path.Combine(outputDirectory, name + ".elf"));
        foreach (var output in outputs)
            if (Path.GetFullPath(output) == Path.GetFullPath(InputPath))
                throw new Stm32BootException($"stamping '{InputPath}' would overwrite it; choose another --out-dir or --name.");

        Directory.CreateDirectory(outputDirectory);
        IntelHexWriter.WriteFile(outputs[0], new IntelHexFile(Image, StartAddress));
        File.WriteAllBytes(outputs[1], ToBinary());
        if (ElfHeaderFileOffset is { } offset)
        {
            var elf = File.ReadAllBytes(InputPath);
            Header.ToBytes().CopyTo(elf.AsSpan((int)offset));
            if (ElfSignatureSection is { } signature)
                Image.Read(signature.Address, (int)signature.Size, 0xFF).CopyTo(elf.AsSpan((int)signature.FileOffset));
            File.WriteAllBytes(outputs[2], elf);
        }

        return outputs;
    }
}
