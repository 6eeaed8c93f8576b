namespace Stm32Boot;

/// <summary>A section of an ELF file: where it runs (Address, the VMA) and where its bytes sit in the file.</summary>
/// <param name="HasFileBytes">False for NOBITS sections such as .bss, which occupy no bytes in the file.</param>
public sealed record ElfSection(string Name, uint Address, uint Size, long FileOffset, bool HasFileBytes);
