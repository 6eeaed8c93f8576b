using System.Runtime.InteropServices;

namespace Stm32Boot;

/// <summary>
/// A sparse image of the 32-bit address space: which bytes a HEX, BIN or ELF file sets, and their values.
/// Gaps are absent, not 0xFF, so "not in the file" and "erased" stay distinguishable.
/// </summary>
public sealed class MemoryImage
{
    private const ulong AddressSpaceEnd = 1UL << 32;

    // Sorted by Start; runs never overlap or touch (touching runs are joined), so the gaps between runs are
    // exactly the absent bytes and Segments needs no further merging.
    private readonly List<Run> runs = [];

    public bool IsEmpty => runs.Count == 0;

    /// <summary>Number of bytes present.</summary>
    public long ByteCount => runs.Sum(run => (long)run.Bytes.Count);

    /// <summary>Address of the first byte present.</summary>
    public uint LowestAddress => IsEmpty ? throw new InvalidOperationException("The image is empty.") : runs[0].Start;

    /// <summary>One past the last byte present (up to 2^32).</summary>
    public ulong EndAddress => IsEmpty ? throw new InvalidOperationException("The image is empty.") : runs[^1].End;

    /// <summary>The contiguous runs in address order.</summary>
    public IReadOnlyList<MemorySegment> Segments => runs.Select(run => new MemorySegment(run.Start, run.Bytes.ToArray())).ToList();

    public void Write(uint address, ReadOnlySpan<byte> data, OverlapRule rule = OverlapRule.Replace)
    {
        if (data.IsEmpty)
            return;
        var end = address + (ulong)data.Length;
        if (end > AddressSpaceEnd)
            throw new Stm32BootException($"{data.Length} bytes at {HexNumber.Format(address)} run past the end of the 32-bit address space.");

        // Runs [first, last) overlap or touch [address, end).
        var first = FirstRunEndingAtOrAfter(address);
        var last = first;
        while (last < runs.Count && runs[last].Start <= end)
            last++;

        if (rule == OverlapRule.RejectDifferent)
            for (var i = first; i < last; i++)
                RejectDifferentBytes(runs[i], address, data);

        if (last - first == 1 && runs[first].Start <= address)
        {
            // The common case (records in ascending order): patch and extend one run in place, no copying.
            var run = runs[first];
            var offset = (int)(address - run.Start);
            var overlap = Math.Min(data.Length, run.Bytes.Count - offset);
            data[..overlap].CopyTo(CollectionsMarshal.AsSpan(run.Bytes).Slice(offset));
            run.Bytes.AddRange(data[overlap..]);
            return;
        }

        var start = first < last ? Math.Min(address, runs[first].Start) : address;
        var newEnd = first < last ? Math.Max(end, runs[last - 1].End) : end;
        var merged = new byte[newEnd - start];
        for (var i = first; i < last; i++)
            CollectionsMarshal.AsSpan(runs[i].Bytes).CopyTo(merged.AsSpan((int)(runs[i].Start - start)));
        data.CopyTo(merged.AsSpan((int)(address - start)));
        runs.RemoveRange(first, last - first);
        runs.Insert(first, new Run(start, [.. merged]));
    }

    public bool Contains(uint address)
    {
        var index = FirstRunEndingAtOrAfter(address);
        return index < runs.Count && runs[index].Start <= address && address < runs[index].End;
    }

    /// <summary>Copies [address, address + destination.Length) and tells whether every byte was present.</summary>
    public bool TryRead(uint address, Span<byte> destination)
    {
        var index = FirstRunEndingAtOrAfter(address);
        if (index == runs.Count || runs[index].Start > address || address + (ulong)destination.Length > runs[index].End)
            return false;
        CollectionsMarshal.AsSpan(runs[index].Bytes).Slice((int)(address - runs[index].Start), destination.Length).CopyTo(destination);
        return true;
    }

    /// <summary>The bytes of [address, address + length) with every absent byte set to <paramref name="fill"/>
    /// (0xFF gives what flash holds after an erase).</summary>
    public byte[] Read(uint address, int length, byte fill)
    {
        var result = new byte[length];
        result.AsSpan().Fill(fill);
        var end = address + (ulong)length;
        for (var i = FirstRunEndingAtOrAfter(address); i < runs.Count && runs[i].Start < end; i++)
        {
            var from = Math.Max(address, runs[i].Start);
            var to = Math.Min(end, runs[i].End);
            CollectionsMarshal.AsSpan(runs[i].Bytes).Slice((int)(from - runs[i].Start), (int)(to - from))
                .CopyTo(result.AsSpan((int)(from - address)));
        }

        return result;
    }

    /// <summary>A new image holding only the bytes of this one that lie in [start, end).</summary>
    public MemoryImage Slice(ulong start, ulong end)
    {
        var slice = new MemoryImage();
        if (start >= AddressSpaceEnd)
            return slice;
        for (var i = FirstRunEndingAtOrAfter((uint)start); i < runs.Count && runs[i].Start < end; i++)
        {
            var from = (uint)Math.Max(start, runs[i].Start);
            var to = Math.Min(end, runs[i].End);
            if (to > from)
                slice.runs.Add(new Run(from, [.. CollectionsMarshal.AsSpan(runs[i].Bytes).Slice((int)(from - runs[i].Start), (int)(to - from))]));
        }

        return slice;
    }

    public MemoryImage Slice(MemoryRegion region) => Slice(region.Base, region.End);

    private static void RejectDifferentBytes(Run run, uint address, ReadOnlySpan<byte> data)
    {
        var from = Math.Max(address, run.Start);
        var to = Math.Min(address + (ulong)data.Length, run.End);
        var existing = CollectionsMarshal.AsSpan(run.Bytes);
        for (ulong a = from; a < to; a++)
        {
            var old = existing[(int)(a - run.Start)];
            var incoming = data[(int)(a - address)];
            if (old != incoming)
                throw new MemoryConflictException((uint)a, old, incoming);
        }
    }

    /// <summary>Index of the first run whose End is at or after <paramref name="address"/> (runs.Count if none):
    /// the only run that can contain or touch it from below.</summary>
    private int FirstRunEndingAtOrAfter(uint address)
    {
        int low = 0, high = runs.Count;
        while (low < high)
        {
            var mid = (low + high) / 2;
            if (runs[mid].End < address)
                low = mid + 1;
            else
                high = mid;
        }

        return low;
    }

    private sealed class Run(uint start, List<byte> bytes)
    {
        public uint Start { get; } = start;
        public List<byte> Bytes { get; } = bytes;
        public ulong End => Start + (ulong)Bytes.Count;
    }
}
