using System.Globalization;
using System.Text.RegularExpressions;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// A thumb drive's disk image, made as a PC makes one: a FAT12/16/32 volume by mkfs.vfat, on the whole disk (as
/// Windows and macOS format removable drives) or inside an MBR partition written by sfdisk (as drives come from
/// the factory), files put there by mtools. The emulated drive (Board.AttachUsbDrive) then serves the file.
/// </summary>
public sealed partial class UsbDisk
{
    /// <summary>fatgen103: FAT12 has fewer than 4085 clusters, FAT16 fewer than 65525, FAT32 more. With one logical
    /// sector per cluster these sizes (KiB) give each type, for logical sectors of 512 and of 4096 bytes; mkfs.vfat
    /// writes them sparse, so even the 300 MiB of FAT32 in 4 KiB clusters cost no disk space.</summary>
    private static readonly Dictionary<(int Bits, int SectorSize), int> VolumeKib = new()
    {
        [(12, 512)] = 2048, [(16, 512)] = 8192, [(32, 512)] = 40960,
        [(12, 4096)] = 2048, [(16, 4096)] = 20480, [(32, 4096)] = 307200,
    };
    /// <summary>MBR partition types: FAT12, FAT16 (≥ 32 MB or not), FAT32 with LBA.</summary>
    private static readonly Dictionary<int, string> PartitionTypes = new() { [12] = "1", [16] = "6", [32] = "c" };
    /// <summary>Sectors before the partition: 1 MiB, the alignment partitioning tools use.</summary>
    private const int PartitionStart = 2048;
    public const int SectorSize = 512;

    private readonly string _mtoolsDrive;

    private UsbDisk(string path, int fatBits, long volumeOffset)
    {
        Path = path;
        FatBits = fatBits;
        _mtoolsDrive = $"{path}@@{volumeOffset}";
    }

    public string Path { get; }
    public int FatBits { get; }

    /// <summary>A freshly formatted drive with an empty root directory. The drive's sectors are 512 bytes; the volume's
    /// logical sector (mkfs.vfat -S) is 512 bytes too, or 4096.</summary>
    public static UsbDisk Format(string path, int fatBits, bool partitioned = false, int logicalSectorSize = SectorSize)
    {
        if (!VolumeKib.TryGetValue((fatBits, logicalSectorSize), out var kib))
            throw new ArgumentOutOfRangeException(nameof(fatBits), (fatBits, logicalSectorSize),
                "FAT comes in 12, 16 and 32 bits; the volumes here have logical sectors of 512 or 4096 bytes.");
        var size = kib.ToString(CultureInfo.InvariantCulture);
        string[] mkfs = ["-S", $"{logicalSectorSize}", "-F", $"{fatBits}", "-s", "1", "--invariant"];
        File.Delete(path);
        if (!partitioned)
        {
            PeerTools.Run("mkfs.vfat", ["-C", .. mkfs, path, size]);
            return new UsbDisk(path, fatBits, 0);
        }
        using (var file = File.Create(path)) file.SetLength((long)kib * 1024 + PartitionStart * SectorSize);
        PeerTools.RunWithInput($"label: dos\nstart={PartitionStart}, size={(long)kib * 1024 / SectorSize}, type={PartitionTypes[fatBits]}\n",
            "sfdisk", "--quiet", path);
        // mkfs.vfat counts --offset in the volume's logical sectors.
        PeerTools.Run("mkfs.vfat", [.. mkfs, "--offset", $"{PartitionStart * SectorSize / logicalSectorSize}", path, size]);
        return new UsbDisk(path, fatBits, PartitionStart * SectorSize);
    }

    /// <summary>A drive straight from a blank medium: every sector zero, no partition table, no file system.</summary>
    public static string Unformatted(string path, int kib = 2048)
    {
        using var file = File.Create(path);
        file.SetLength(kib * 1024L);
        return path;
    }

    /// <summary>Copies a file of the PC into the volume (a long name gets its VFAT entries, as Windows writes them).</summary>
    public UsbDisk Copy(string source, string name)
    {
        PeerTools.Run("mcopy", "-i", _mtoolsDrive, source, "::" + name);
        return this;
    }

    /// <summary>Copies bytes into the volume as a file of that name.</summary>
    public UsbDisk Write(string name, byte[] content)
    {
        var source = $"{Path}.{Guid.NewGuid():N}";
        File.WriteAllBytes(source, content);
        try { return Copy(source, name); }
        finally { File.Delete(source); }
    }

    public UsbDisk Delete(string name)
    {
        PeerTools.Run("mdel", "-i", _mtoolsDrive, "::" + name);
        return this;
    }

    /// <summary>The file's clusters in chain order, as mtools reads the FAT ("&lt;2-5&gt;&lt;9-12&gt;").</summary>
    public IReadOnlyList<int> Clusters(string name)
    {
        var clusters = new List<int>();
        foreach (Match run in ClusterRuns().Matches(PeerTools.Run("mshowfat", "-i", _mtoolsDrive, "::" + name)))
        {
            var first = int.Parse(run.Groups[1].Value, CultureInfo.InvariantCulture);
            var last = run.Groups[2].Success ? int.Parse(run.Groups[2].Value, CultureInfo.InvariantCulture) : first;
            clusters.AddRange(Enumerable.Range(first, last - first + 1));
        }
        return clusters;
    }

    [GeneratedRegex(@"<(\d+)(?:-(\d+))?>")]
    private static partial Regex ClusterRuns();
}
