#nullable enable
// Build settings: build/settings.json, overridden by environment variables STM32BOOT_<Key> (nested keys with
// "__", e.g. STM32BOOT_MemoryMap__BootloaderSize) and by --Key=value on the command line, in that order.
// The effective result is written to out/settings.effective.json, which every stm32boot step reads: the tools
// validate it (tested code), the script only carries it.
using Microsoft.Extensions.Configuration;
using System.Text.Json;
using System.Text.Json.Nodes;

public sealed class BuildSettings
{
    // Cake's own arguments are not build settings.
    static readonly HashSet<string> CakeArguments = new(StringComparer.OrdinalIgnoreCase) { "target", "verbosity", "v", "description", "dryrun", "tree", "exclusive", "e", "debug", "d" };

    readonly IConfiguration configuration;
    BuildSettings(IConfiguration configuration) => this.configuration = configuration;

    public string Version => Require("Version");
    public string BoardId => Require("BoardId");
    public string BuildType => Require("BuildType") is var t && (t == "Release" || t == "Debug")
        ? t : throw new CakeException($"BuildType is '{t}'; use Release or Debug (build/settings.json, STM32BOOT_BuildType or --BuildType=...).");
    public string ToolchainPrefix => Require("ToolchainPrefix");

    public static BuildSettings Load(ICakeContext context, string root)
    {
        var overrides = context.Arguments.GetArguments()
            .Where(a => !CakeArguments.Contains(a.Key))
            .ToDictionary(a => a.Key, a => (string?)a.Value.Last());
        return new BuildSettings(new ConfigurationBuilder()
            .AddJsonFile($"{root}/build/settings.json", optional: false)
            .AddEnvironmentVariables("STM32BOOT_")
            .AddInMemoryCollection(overrides)
            .Build());
    }

    public void WriteEffective(string path)
    {
        System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, ToJson(configuration).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    static JsonObject ToJson(IConfiguration section)
    {
        var json = new JsonObject();
        foreach (var child in section.GetChildren())
            json[child.Key] = child.GetChildren().Any() ? ToJson(child)
                // Configuration flattens everything to text; give decimal numbers back their JSON type.
                : long.TryParse(child.Value, out var number) ? JsonValue.Create(number) : JsonValue.Create(child.Value);
        return json;
    }

    string Require(string key) => configuration[key] is { Length: > 0 } value
        ? value : throw new CakeException($"setting '{key}' is missing: add it to build/settings.json.");
}
