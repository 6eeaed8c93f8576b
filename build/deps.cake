#nullable enable
// Deps: third-party source the firmware compiles but the repository does not carry (build/deps.json: each one pinned
// by Debian source version and the SHA-256 of its upstream tarball). Debian ships these as source packages; the
// machines list only binary (`Types: deb`) entries, so a deb-src entry with the same mirror, suites and keyring is
// derived from the machine's own apt configuration at run time into out/deps/apt, and apt-get reads only that
// (private lists, the system's apt state untouched). The tarball is checked against the pin, then unpacked under
// out/deps/, where it stays cached. apt-get needs root; anywhere else the task prints the exact commands.
using System.Security.Cryptography;
using System.Text.Json;

public static class Deps
{
    public sealed record Dependency(string Name, string DebianSource, string DebianVersion, string Tarball, string Sha256, string Directory);

    public static IReadOnlyList<Dependency> Load(string root)
    {
        using var json = JsonDocument.Parse(System.IO.File.ReadAllText($"{root}/build/deps.json"));
        return json.RootElement.EnumerateObject().Select(d => new Dependency(d.Name,
            Text(d, "DebianSource"), Text(d, "DebianVersion"), Text(d, "Tarball"), Text(d, "Sha256"), Text(d, "Directory"))).ToList();
    }

    public static async Task EnsureAsync(ICakeContext context, string root)
    {
        var depsDir = $"{root}/out/deps";
        foreach (var dep in Load(root))
        {
            var unpacked = $"{depsDir}/{dep.Directory}";
            // The unpacked tree records which tarball it came from: a changed pin unpacks again.
            var marker = $"{unpacked}/.tarball-sha256";
            if (System.IO.File.Exists(marker) && System.IO.File.ReadAllText(marker).Trim() == dep.Sha256)
            {
                context.Information("{0}", $"{dep.Name}: {unpacked} (Debian {dep.DebianSource} {dep.DebianVersion}, cached)");
                continue;
            }

            var download = $"{depsDir}/download";
            var tarball = $"{download}/{dep.Tarball}";
            if (!System.IO.File.Exists(tarball))
            {
                var (sources, commands) = AptCommands(depsDir, dep);
                if (!(System.IO.File.Exists("/etc/debian_version") && Environment.UserName == "root"))
                    throw new CakeException($"{dep.Name} is not in {unpacked} yet, and fetching Debian's source package needs root (apt-get). Run:\n" +
                                            $"  mkdir -p {depsDir}/apt/lists/partial {download}\n" +
                                            $"  printf '%s\\n' {string.Join(' ', sources.Split('\n').Select(l => $"'{l}'"))} > {depsDir}/apt/src.sources\n" +
                                            string.Join("", commands.Select(c => $"  {AsUser(c)}\n")) +
                                            $"then run ./build.sh again (it checks the SHA-256 and unpacks), or put {dep.Tarball} (SHA-256 {dep.Sha256}) into {download}/ yourself.");
                context.Information("{0}", $"{dep.Name}: fetching Debian source package {dep.DebianSource} {dep.DebianVersion}");
                System.IO.Directory.CreateDirectory($"{depsDir}/apt/lists/partial");
                System.IO.Directory.CreateDirectory(download);
                System.IO.File.WriteAllText($"{depsDir}/apt/src.sources", sources + "\n");
                foreach (var command in commands)
                {
                    var (code, output) = await Exec("bash", "-c", command);
                    if (code != 0) throw new CakeException($"{dep.Name}: `{command}` exited with code {code}:\n{output}");
                }
                if (!System.IO.File.Exists(tarball))
                    throw new CakeException($"{dep.Name}: apt-get fetched {dep.DebianSource} {dep.DebianVersion} but {tarball} is not among its files; check Tarball in build/deps.json.");
            }

            var actual = Convert.ToHexString(SHA256.HashData(System.IO.File.ReadAllBytes(tarball))).ToLowerInvariant();
            if (actual != dep.Sha256)
                throw new CakeException($"{tarball} has SHA-256 {actual}, but build/deps.json pins {dep.Sha256}. Delete the file and run the build " +
                                        "again to fetch it anew; if Debian really changed the tarball, review the change before updating the pin.");

            if (System.IO.Directory.Exists(unpacked))
                System.IO.Directory.Delete(unpacked, recursive: true);
            var (tarCode, tarOutput) = await Exec("tar", "-xf", tarball, "-C", depsDir);
            if (tarCode != 0)
                throw new CakeException($"unpacking {tarball} failed (tar exit {tarCode}; a .tar.xz needs xz-utils):\n{tarOutput}");
            if (!System.IO.Directory.Exists(unpacked))
                throw new CakeException($"{tarball} did not unpack into {unpacked}; check Directory in build/deps.json.");
            System.IO.File.WriteAllText(marker, dep.Sha256 + "\n");
            context.Information("{0}", $"{dep.Name}: unpacked {dep.Tarball} (SHA-256 checked) into {unpacked}");
        }
    }

    // The deb-src stanza (deb822) and the apt-get commands that download the source package into out/deps/download.
    static (string Sources, string[] Commands) AptCommands(string depsDir, Dependency dep)
    {
        var options = $"-o Dir::Etc::sourcelist=/dev/null -o Dir::Etc::sourceparts={depsDir}/apt -o Dir::State::Lists={depsDir}/apt/lists";
        return (DebSrcStanza(), new[]
        {
            $"apt-get {options} update",
            $"cd {depsDir}/download && apt-get {options} source --download-only {dep.DebianSource}={dep.DebianVersion}",
        });
    }

    // A command as a non-root user types it: only apt-get runs as root, the download directory stays theirs.
    static string AsUser(string command) =>
        command.Contains(" && ") ? $"({command.Replace("apt-get ", "sudo apt-get ")})" : command.Replace("apt-get ", "sudo apt-get ");

    // The machine's first binary entry as a source entry: the first `Types: deb` stanza of
    // /etc/apt/sources.list.d/*.sources, else the first `deb` line of /etc/apt/sources.list.
    static string DebSrcStanza()
    {
        var stanzas = System.IO.Directory.Exists("/etc/apt/sources.list.d")
            ? System.IO.Directory.GetFiles("/etc/apt/sources.list.d", "*.sources").OrderBy(f => f, StringComparer.Ordinal)
                .SelectMany(f => System.IO.File.ReadAllText(f).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
            : Enumerable.Empty<string>();
        foreach (var stanza in stanzas)
        {
            // deb822: "Key: value" lines, continuation lines start with white space (e.g. an inline Signed-By key).
            var lines = stanza.Split('\n').Where(l => l.Trim().Length > 0 && !l.StartsWith("#")).ToList();
            var types = lines.FirstOrDefault(l => l.StartsWith("Types:"));
            if (types is null || !types["Types:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("deb")) continue;
            if (lines.Any(l => l.Replace(" ", "") == "Enabled:no")) continue;
            return string.Join('\n', lines.Select(l => l == types ? "Types: deb-src" : l));
        }
        if (System.IO.File.Exists("/etc/apt/sources.list"))
            foreach (var line in System.IO.File.ReadAllLines("/etc/apt/sources.list").Select(l => l.Trim()))
                if (line.StartsWith("deb ") || line.StartsWith("deb\t"))
                    return DebLineAsStanza(line);
        throw new CakeException("no `deb` entry in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list to derive a deb-src entry from.");
    }

    // "deb [signed-by=K] URI SUITE COMPONENT..." as a deb822 stanza.
    static string DebLineAsStanza(string line)
    {
        var rest = line[3..].Trim();
        var options = new List<string>();
        if (rest.StartsWith("["))
        {
            var end = rest.IndexOf(']');
            foreach (var option in rest[1..end].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                if (option.StartsWith("signed-by=")) options.Add($"Signed-By: {option["signed-by=".Length..]}");
            rest = rest[(end + 1)..].Trim();
        }
        var parts = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return string.Join('\n', new[] { "Types: deb-src", $"URIs: {parts[0]}", $"Suites: {parts[1]}", $"Components: {string.Join(' ', parts.Skip(2))}" }.Concat(options));
    }

    static string Text(JsonProperty dependency, string key) =>
        dependency.Value.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text : throw new CakeException($"build/deps.json: {dependency.Name}.{key} is missing or not a string.");

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
