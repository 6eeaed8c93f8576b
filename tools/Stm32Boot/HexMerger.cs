namespace Stm32Boot;

/// <summary>
/// Merges Intel HEX files into one (like Microchip's hexmate or <c>srec_cat a.hex -Intel b.hex -Intel</c>):
/// overlapping bytes must agree, and at most one start address survives.
/// </summary>
public static class HexMerger
{
    /// <param name="inputPaths">The files to merge, in order.</param>
    /// <param name="startFrom">The input whose start address the result keeps; needed only when inputs disagree.</param>
    public static IntelHexFile Merge(IReadOnlyList<string> inputPaths, string? startFrom = null)
    {
        if (inputPaths.Count == 0)
            throw new Stm32BootException("merge needs at least one HEX file.");
        var inputs = inputPaths.Select(path => (Path: path, Hex: IntelHexReader.ReadFile(path))).ToList();

        var merged = new MemoryImage();
        foreach (var (path, hex) in inputs)
            foreach (var segment in hex.Image.Segments)
            {
                try
                {
                    merged.Write(segment.Address, segment.Data, OverlapRule.RejectDifferent);
                }
                catch (MemoryConflictException conflict)
                {
                    var earlier = inputs.First(i => i.Hex.Image.Contains(conflict.Address)).Path;
                    throw new Stm32BootException($"'{earlier}' and '{path}' overlap with different data at {HexNumber.Format(conflict.Address)}: " +
                                                 $"{HexNumber.Format(conflict.Existing)} versus {HexNumber.Format(conflict.Incoming)}.");
                }
            }

        return new IntelHexFile(merged, StartAddress(inputs, startFrom));
    }

    private static uint? StartAddress(List<(string Path, IntelHexFile Hex)> inputs, string? startFrom)
    {
        if (startFrom is not null)
        {
            var chosen = inputs.FirstOrDefault(i => Path.GetFullPath(i.Path) == Path.GetFullPath(startFrom));
            if (chosen.Hex is null)
                throw new Stm32BootException($"--start-from '{startFrom}' is not one of the input files.");
            return chosen.Hex.StartAddress
                   ?? throw new Stm32BootException($"--start-from '{startFrom}': that file has no start address record (type 03 or 05).");
        }

        var withStart = inputs.Where(i => i.Hex.StartAddress is not null).ToList();
        if (withStart.Select(i => i.Hex.StartAddress).Distinct().Count() > 1)
            throw new Stm32BootException("the inputs disagree on the start address (" +
                                         string.Join(", ", withStart.Select(i => $"'{i.Path}' {HexNumber.Format(i.Hex.StartAddress!.Value)}")) +
                                         "); choose one with --start-from FILE.");
        return withStart.FirstOrDefault().Hex?.StartAddress;
    }
}
