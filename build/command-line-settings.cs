#nullable enable
// Build settings given on the command line, as configuration keys. Loaded by build/settings.cake (#load) and
// compiled into tests/Stm32Boot.Tests, which test it: the Cake script itself has no unit tests, so the rule lives in
// this one file both use. No namespace: Cake loads it as script code, where namespaces are not allowed.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;

public static class CommandLineSettings
{
    /// <summary>
    /// Cake (7.0, Cake.Tool) splits a long option at its first ':' or '=' (it takes --key:value like --key=value), so
    /// the nested key --MemoryMap:BootloaderSize=0x10000 reaches the script as key "MemoryMap", value
    /// "BootloaderSize=0x10000", and a list item --TrustedKeys:0=a.pem as "TrustedKeys", "0=a.pem". An argument whose
    /// key names an object or a list of build/settings.json (<paramref name="defaults"/>) is therefore put back
    /// together as the configuration key "MemoryMap:BootloaderSize" with value "0x10000"; one without "NAME=value" is
    /// refused, since a whole object or list cannot be one command-line value. Other keys, --Version=1.2.3.4 or
    /// Cake's --Version:1.2.3.4, pass as they are (the tools refuse keys they do not know).
    /// </summary>
    /// <param name="arguments">Cake's arguments, every value of a key given more than once (--TrustedKeys:0=a.pem
    /// --TrustedKeys:1=b.pem), in order; a plain key keeps its last value. Without Cake's own arguments.</param>
    /// <param name="defaults">build/settings.json.</param>
    /// <exception cref="ArgumentException">A section given without "NAME=value".</exception>
    public static Dictionary<string, string?> ToConfiguration(IEnumerable<KeyValuePair<string, string?>> arguments, JsonNode defaults)
    {
        var configuration = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in arguments)
        {
            if (!IsSection(defaults, key))
            {
                configuration[key] = value;
                continue;
            }
            var equals = value?.IndexOf('=') ?? -1;
            if (equals <= 0)
                throw new ArgumentException($"--{key} given '{value}': {key} is a " +
                                            $"{(Find(defaults, key)!.GetValueKind() == JsonValueKind.Array ? "list" : "group of settings")}; " +
                                            $"give one of its entries as --{key}:NAME=value (e.g. {Example(defaults, key)}).");
            configuration[$"{key}:{value![..equals]}"] = value[(equals + 1)..];
        }
        return configuration;
    }

    /// <summary>
    /// Where the effective settings differ from build/settings.json, for a message about a value the tools refused:
    /// the file the tools read (out/settings.effective.json) is the build's own product, so naming it alone leaves a
    /// user looking for a file they never wrote. Environment variables first, then the command line, which wins.
    /// </summary>
    /// <param name="environment">The STM32BOOT_* variables (name, value).</param>
    /// <param name="commandLine">ToConfiguration's result.</param>
    /// <returns>"" when nothing overrides the file, else e.g. "build/settings.json with STM32BOOT_BoardId=0x04150002
    /// (environment) and --Version=1.2.3 (command line) applied".</returns>
    public static string DescribeOverrides(IEnumerable<KeyValuePair<string, string?>> environment, IReadOnlyDictionary<string, string?> commandLine)
    {
        var overrides = environment.Select(e => $"{e.Key}={e.Value} (environment)")
            .Concat(commandLine.Select(c => $"--{c.Key}={c.Value} (command line)"))
            .ToList();
        return overrides.Count == 0 ? "" : $"build/settings.json with {string.Join(", ", overrides.SkipLast(1))}{(overrides.Count > 1 ? " and " : "")}{overrides[^1]} applied";
    }

    static bool IsSection(JsonNode defaults, string key) =>
        Find(defaults, key)?.GetValueKind() is JsonValueKind.Object or JsonValueKind.Array;

    // Keys match without regard to case, as configuration matches them.
    static JsonNode? Find(JsonNode defaults, string key) =>
        defaults is JsonObject properties
            ? properties.FirstOrDefault(p => string.Equals(p.Key, key, StringComparison.OrdinalIgnoreCase)).Value
            : null;

    static string Example(JsonNode defaults, string key) =>
        Find(defaults, key) is JsonObject group && group.FirstOrDefault() is var (name, value) && name is not null
            ? $"--{key}:{name}={value}"
            : $"--{key}:0=first";
}
