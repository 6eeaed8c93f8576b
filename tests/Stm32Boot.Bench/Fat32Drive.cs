// A thumb drive as Windows formats one of a few hundred MB: FAT32 on the whole medium with 4 KB clusters, made by
// mkfs.vfat (dosfstools) and filled by mcopy (mtools). The image is sparse: only the FATs and the files take space.
using System.Diagnostics;

namespace Stm32Boot.Bench;

internal static class Fat32Drive
{
    /// fatgen103: FAT32 needs more than 65524 clusters; 4 KB clusters (8 sectors, Windows' FAT32 default up to 8 GB)
    /// then need 256 MB at least.
    private const int SectorsPerCluster = 8, VolumeKib = 300 * 1024;

    /// Creates imagePath holding each (source, name) file in the root directory.
    public static string Create(string imagePath, params (string Source, string Name)[] files)
    {
        File.Delete(imagePath);
        Run("mkfs.vfat", "dosfstools", "-C", "-F", "32", "-s", $"{SectorsPerCluster}", "--invariant", imagePath, $"{VolumeKib}");
        foreach (var (source, name) in files) Run("mcopy", "mtools", "-i", imagePath, source, "::" + name);
        return imagePath;
    }

    private static void Run(string program, string package, params string[] arguments)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["MTOOLS_SKIP_CHECK"] = "1";
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"'{program}' could not be started ({e.Message}): install the Debian package {package}.", e);
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{output.Result}{errors}");
        }
    }
}
