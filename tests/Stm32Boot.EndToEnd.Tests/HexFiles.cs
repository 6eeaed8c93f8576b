using System.Globalization;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// Intel HEX files of update images as a user gets them: written by srec_cat (Debian srecord) from the image's
/// bytes, not by this repository's own HEX writer, so that the bootloader reads a peer's output.
/// </summary>
public static class HexFiles
{
    /// <summary>Writes every segment of the image as records of recordLength bytes, 04 records as srec_cat places them.</summary>
    public static string Write(MemoryImage image, string path, int recordLength = 16)
    {
        var arguments = new List<string>();
        var index = 0;
        foreach (var segment in image.Segments)
        {
            var bin = $"{path}.{index++}.bin";
            File.WriteAllBytes(bin, segment.Data);
            arguments.AddRange([bin, "-binary", "-offset", $"0x{segment.Address:X8}"]);
        }
        try
        {
            PeerTools.Run("srec_cat", [.. arguments, "-o", path, "-intel", "-Output_Block_Size", recordLength.ToString(CultureInfo.InvariantCulture)]);
        }
        finally
        {
            for (var i = 0; i < index; i++) File.Delete($"{path}.{i}.bin");
        }
        return path;
    }

    /// <summary>
    /// Flips one bit of the checksum of the data record in the middle of the file and returns its 1-based line number:
    /// every line before it is valid, so only a loader that checks the whole file before erasing refuses it in time.
    /// </summary>
    public static int CorruptMiddleDataLine(string path)
    {
        var lines = File.ReadAllLines(path);
        var data = Enumerable.Range(0, lines.Length).Where(i => lines[i].Length > 9 && lines[i][7..9] == "00").ToList();
        var index = data[data.Count / 2];
        var line = lines[index];
        var checksum = byte.Parse(line[^2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture) ^ 0x01;
        lines[index] = line[..^2] + checksum.ToString("X2", CultureInfo.InvariantCulture);
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        return index + 1;
    }
}
