namespace Stm32Boot;

/// <summary>One of the bootloader's acceptance checks (docs/design.md §5.1) and why it passed or failed.</summary>
public sealed record AcceptanceCheck(string Name, bool Passed, string Detail);

/// <summary>A Cortex-M4 system vector: its index, name and value (null when the image lacks those bytes).</summary>
public sealed record VectorTableEntry(int Index, string Name, uint? Value);

/// <summary>How many bytes of a region the image sets.</summary>
public sealed record RegionUsage(string Name, uint Base, uint Size, long UsedBytes)
{
    public double Percent => Size == 0 ? 0 : 100.0 * UsedBytes / Size;
}

/// <summary>What <see cref="ImageInspector"/> found: the header (null if its bytes are missing or erased),
/// every acceptance check, the first 16 vectors and the flash regions used.</summary>
/// <param name="BytesOutsideFlashRegions">Bytes that lie in none of the flash regions (e.g. RAM or past flash).</param>
public sealed record ImageInspection(
    ImageHeader? Header,
    IReadOnlyList<AcceptanceCheck> Checks,
    IReadOnlyList<VectorTableEntry> Vectors,
    IReadOnlyList<RegionUsage> Regions,
    long BytesOutsideFlashRegions)
{
    /// <summary>True when the bootloader would boot this image.</summary>
    public bool Accepted => Checks.All(check => check.Passed);
}
