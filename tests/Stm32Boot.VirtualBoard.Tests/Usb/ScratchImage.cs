// A disk image for one test, under out/ (or BOOT_OUT_DIR), deleted afterwards. Every byte is a function of its
// offset, so a test can tell which sector and which byte of it the drive returned.
namespace Stm32Boot.VirtualBoard.Tests.Usb;

public sealed class ScratchImage : IDisposable
{
    public ScratchImage(long bytes)
    {
        var dir = Path.Combine(OutDirectory(), "tests", "usb-images");
        Directory.CreateDirectory(dir);
        FilePath = Path.Combine(dir, $"{Guid.NewGuid():N}.img");
        var data = new byte[bytes];
        for (var i = 0; i < bytes; i++) data[i] = ByteAt(i);
        File.WriteAllBytes(FilePath, data);
    }

    public string FilePath { get; }

    /// Sector number in the high bits, offset in the low ones: wrong sectors and shifted data both show.
    public static byte ByteAt(long offset) => (byte)((offset >> 9) * 29 + offset * 7);

    public static byte[] Bytes(long offset, int length) =>
        Enumerable.Range(0, length).Select(i => ByteAt(offset + i)).ToArray();

    public void Dispose() => File.Delete(FilePath);

    private static string OutDirectory()
    {
        var fromBuild = Environment.GetEnvironmentVariable("BOOT_OUT_DIR");
        if (!string.IsNullOrEmpty(fromBuild)) return fromBuild;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Build.props"))) return Path.Combine(dir.FullName, "out");
        return Path.Combine(Path.GetTempPath(), "stm32boot-tests");
    }
}
