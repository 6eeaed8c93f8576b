using FsCheck;
using FsCheck.Fluent;

namespace Stm32Boot.Tests;

/// <summary>A sparse image with an optional start address, as FsCheck generates them.</summary>
public sealed record SparseImage(MemoryImage Image, uint? Start)
{
    // FsCheck prints failing cases with ToString: show the runs, not the type name.
    public override string ToString() =>
        string.Join(", ", Image.Segments.Select(s => $"{s.Address:X8}+{s.Data.Length}")) + (Start is { } start ? $" start {start:X8}" : "");
}

/// <summary>FsCheck generators for sparse images: runs of random bytes, many of them near 64 KB boundaries and
/// the ends of the address space, where extended address records and record splitting matter.</summary>
public static class SparseImages
{
    private static readonly uint[] InterestingBases = [0x00000000, 0x0000FFF0, 0x08000000, 0x0801FFF8, 0x0802FFE0, 0x1000FFFF, 0xFFFFFE00];

    public static Gen<uint> Address =>
        Gen.OneOf(
            Gen.Elements(InterestingBases).SelectMany(b => Gen.Choose(0, 0x1FF).Select(offset => b + (uint)offset)),
            Gen.Choose(0, 0xFFFF).SelectMany(high => Gen.Choose(0, 0xFFFF).Select(low => ((uint)high << 16) | (uint)low)));

    public static Gen<(uint Address, byte[] Data)> Run =>
        from address in Address
        from length in Gen.Choose(1, 300)
        from data in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), (int)Math.Min((ulong)length, (1UL << 32) - address))
        select (address, data);

    public static Gen<uint?> Start =>
        Gen.OneOf(Gen.Constant<uint?>(null), Address.Select(a => (uint?)a));

    public static Gen<SparseImage> Image =>
        from runs in Gen.ListOf(Run).Select(list => list.Take(12).ToList())
        from start in Start
        select new SparseImage(Build(runs), start);

    public static Gen<int> RecordLength => Gen.Choose(1, IntelHexWriter.MaxRecordLength);

    public static MemoryImage Build(IEnumerable<(uint Address, byte[] Data)> runs)
    {
        var image = new MemoryImage();
        foreach (var (address, data) in runs)
            image.Write(address, data);
        return image;
    }
}
