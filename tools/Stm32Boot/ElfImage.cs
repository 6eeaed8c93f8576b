using ELFSharp.ELF;
using ELFSharp.ELF.Sections;
using ELFSharp.ELF.Segments;

namespace Stm32Boot;

/// <summary>
/// A 32-bit little-endian ARM ELF as the flash programmer sees it: the bytes of every PT_LOAD segment placed at
/// its PHYSICAL address (the LMA), so the .data initialisers stored in flash are included and their RAM copy is
/// not; plus its sections and symbols by name.
/// </summary>
public sealed class ElfImage
{
    private static ReadOnlySpan<byte> ElfMagic => [0x7F, (byte)'E', (byte)'L', (byte)'F'];

    private readonly Dictionary<string, ElfSection> sections;
    private readonly Dictionary<string, uint> symbols;

    private ElfImage(string fileName, uint entryPoint, MemoryImage memory, Dictionary<string, ElfSection> sections,
        Dictionary<string, uint> symbols)
    {
        FileName = fileName;
        EntryPoint = entryPoint;
        Memory = memory;
        this.sections = sections;
        this.symbols = symbols;
    }

    public string FileName { get; }

    /// <summary>e_entry: the reset handler's address with the Thumb bit, as objcopy puts it in an 05 record.</summary>
    public uint EntryPoint { get; }

    public MemoryImage Memory { get; }

    public IReadOnlyCollection<ElfSection> Sections => sections.Values;

    public ElfSection? FindSection(string name) => sections.GetValueOrDefault(name);

    /// <summary>A symbol's value; global and weak symbols win over local ones of the same name.</summary>
    public bool TryGetSymbol(string name, out uint value) => symbols.TryGetValue(name, out value);

    /// <summary>Every symbol name, local ones included (a link-time optimised image keeps most of its functions as locals).</summary>
    public IReadOnlyCollection<string> SymbolNames => symbols.Keys;

    /// <summary>True when the file begins with the ELF magic bytes.</summary>
    public static bool HasElfMagic(ReadOnlySpan<byte> fileStart) => fileStart.StartsWith(ElfMagic);

    public static ElfImage Load(string path)
    {
        if (!File.Exists(path))
            throw new MissingFileException($"ELF file '{path}' not found.");
        var start = new byte[4];
        using (var stream = File.OpenRead(path))
            stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        if (!HasElfMagic(start))
            throw new Stm32BootException($"'{path}' is not an ELF file (it does not start with 7F 'E' 'L' 'F').");
        if (ELFReader.CheckELFType(path) != Class.Bit32)
            throw new Stm32BootException($"'{path}' is a 64-bit ELF; the STM32L475 needs a 32-bit ARM ELF from arm-none-eabi-gcc.");

        try
        {
            using var elf = ELFReader.Load<uint>(path);
            if (elf.Machine != Machine.ARM)
                throw new Stm32BootException($"'{path}' is an ELF for {elf.Machine}, not ARM; build it with arm-none-eabi-gcc.");
            if (elf.Endianess != ELFSharp.Endianess.LittleEndian)
                throw new Stm32BootException($"'{path}' is a big-endian ELF; the Cortex-M4 runs little-endian code.");
            return new ElfImage(path, elf.EntryPoint, LoadedBytes(elf, path), ReadSections(elf), ReadSymbols(elf));
        }
        catch (Exception e) when (e is not Stm32BootException)
        {
            throw new Stm32BootException($"'{path}' is not a readable ELF file: {e.Message}");
        }
    }

    private static MemoryImage LoadedBytes(ELF<uint> elf, string path)
    {
        var memory = new MemoryImage();
        foreach (var segment in elf.Segments.Where(s => s.Type == SegmentType.Load && s.FileSize > 0))
        {
            try
            {
                memory.Write(segment.PhysicalAddress, segment.GetFileContents(), OverlapRule.RejectDifferent);
            }
            catch (MemoryConflictException conflict)
            {
                throw new Stm32BootException($"'{path}': two loadable segments put different bytes at {HexNumber.Format(conflict.Address)}; check the linker script's AT> placements.");
            }
        }

        return memory;
    }

    private static Dictionary<string, ElfSection> ReadSections(ELF<uint> elf)
    {
        var result = new Dictionary<string, ElfSection>(StringComparer.Ordinal);
        foreach (var section in elf.Sections.Where(s => s.Name.Length > 0))
            result.TryAdd(section.Name, new ElfSection(section.Name, section.LoadAddress, section.Size, section.Offset,
                section.Type != SectionType.NoBits));
        return result;
    }

    private static Dictionary<string, uint> ReadSymbols(ELF<uint> elf)
    {
        var result = new Dictionary<string, uint>(StringComparer.Ordinal);
        var entries = elf.GetSections<SymbolTable<uint>>()
            .SelectMany(table => table.Entries)
            .Where(e => e.Name.Length > 0 && e.Type is not (SymbolType.Section or SymbolType.File))
            .OrderBy(e => e.Binding == SymbolBinding.Local);
        foreach (var entry in entries)
            result.TryAdd(entry.Name, entry.Value);
        return result;
    }
}
