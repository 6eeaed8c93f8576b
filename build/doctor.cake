#nullable enable
// Doctor: the Debian packages of a list (build/packages.txt for building, build/test-packages.txt for the tests) and,
// for the build, the firmware toolchain. As root on Debian it installs what is missing (that is how .ci/run and a fresh
// machine get them); anywhere else it prints the exact command.
public static class Doctor
{
    /// <param name="list">build/packages.txt or build/test-packages.txt.</param>
    /// <param name="toolchainPrefix">Runs gcc, cmake and ninja once installed; null for the test list.</param>
    public static async Task CheckAsync(ICakeContext context, string list, string? toolchainPrefix)
    {
        var packages = System.IO.File.ReadAllLines(list)
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("#")).ToArray();
        var missing = new List<string>();
        foreach (var package in packages)
            if (await Exec("dpkg-query", "-W", "-f=${Status}", package) is not (0, var status) || !status.Contains("install ok installed"))
                missing.Add(package);
        if (missing.Count > 0)
        {
            var command = $"apt-get update && apt-get install -y --no-install-recommends {string.Join(' ', missing)}";
            var isRootOnDebian = System.IO.File.Exists("/etc/debian_version") && Environment.UserName == "root";
            if (!isRootOnDebian)
                throw new CakeException($"missing Debian packages: {string.Join(", ", missing)}. Install them with:\n  sudo {command}");
            context.Information("{0}", $"installing missing Debian packages: {string.Join(", ", missing)}");
            if (await Exec("bash", "-c", $"export DEBIAN_FRONTEND=noninteractive; {command}") is not (0, _))
                throw new CakeException($"installing {string.Join(", ", missing)} failed; run `{command}` and read its output.");
        }
        if (toolchainPrefix is null)
            return;
        foreach (var tool in new[] { $"{toolchainPrefix}gcc", "cmake", "ninja" })
        {
            var (code, version) = await Exec(tool, "--version");
            if (code != 0) throw new CakeException($"{tool} does not run (exit {code}); check ToolchainPrefix in build/settings.json.");
            context.Information("{0}", $"{tool}: {version.Split('\n')[0]}");
        }
    }

    static async Task<(int, string)> Exec(string tool, params string[] args)
    {
        try
        {
            var result = await CliWrap.Buffered.BufferedCommandExtensions.ExecuteBufferedAsync(
                CliWrap.Cli.Wrap(tool).WithArguments(args).WithValidation(CliWrap.CommandResultValidation.None));
            return (result.ExitCode, result.StandardOutput + result.StandardError);
        }
        catch (System.ComponentModel.Win32Exception e) { return (127, e.Message); }
    }
}
