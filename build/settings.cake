#nullable enable
// Build settings: build/settings.json, overridden by environment variables STM32BOOT_<Key> (nested keys with
// "__", e.g. STM32BOOT_MemoryMap__BootloaderSize) and by --Key=value on the command line (nested keys with ':',
// --MemoryMap:BootloaderSize=0x10000, list items by index, --TrustedKeys:0=keys/next.pub.pem), in that order.
// The effective result is written to out/settings.effective.json, which every stm32boot step reads: the tools
// validate it (tested code), the script only carries it.
#load "command-line-settings.cs"
#load "settings-json.cs"
using Microsoft.Extensions.Configuration;
using System.Text.Json;
using System.Text.Json.Nodes;

public sealed class BuildSettings
{
    // Cake's own arguments, and the tasks' own (Fuzz's FuzzSeconds, Flash's FlashParity and FlashEnter, PowerCuts' SwapPowerCuts), are not build
    // settings.
    static readonly HashSet<string> CakeArguments = new(StringComparer.OrdinalIgnoreCase) { "target", "verbosity", "v", "description", "dryrun", "tree", "exclusive", "e", "debug", "d", "FuzzSeconds", "FlashParity", "FlashEnter", "SwapPowerCuts" };

    readonly IConfiguration configuration;
    readonly JsonNode defaults;
    BuildSettings(IConfiguration configuration, JsonNode defaults, string overrides) => (this.configuration, this.defaults, Overrides) = (configuration, defaults, overrides);

    // What the effective settings were made of, when anything overrides build/settings.json ("" otherwise): said
    // beside a value the tools refuse, which they can only name by the file they read.
    public string Overrides { get; }

    public string Version => Require("Version");
    public string BoardId => Require("BoardId");
    public string BuildType => Require("BuildType") is var t && (t == "Release" || t == "Debug")
        ? t : throw new CakeException($"BuildType is '{t}'; use Release or Debug (build/settings.json, STM32BOOT_BuildType or --BuildType=...).");
    public string ToolchainPrefix => Require("ToolchainPrefix");

    public static BuildSettings Load(ICakeContext context, string root)
    {
        var file = $"{root}/build/settings.json";
        // Parsed before configuration reads it: its JSON provider reports a syntax error without line or reason.
        JsonNode defaults;
        try { defaults = SettingsJson.Parse(System.IO.File.ReadAllText(file), "build/settings.json"); }
        catch (FormatException e) { throw new CakeException(e.Message); }
        Dictionary<string, string?> overrides;
        try
        {
            overrides = CommandLineSettings.ToConfiguration(context.Arguments.GetArguments()
                .Where(a => !CakeArguments.Contains(a.Key))
                .SelectMany(a => a.Value.Select(v => new KeyValuePair<string, string?>(a.Key, v))), defaults);
        }
        catch (ArgumentException e) { throw new CakeException(e.Message); }
        var environment = System.Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Where(e => ((string)e.Key).StartsWith("STM32BOOT_", StringComparison.Ordinal))
            .Select(e => new KeyValuePair<string, string?>((string)e.Key, (string?)e.Value)).OrderBy(e => e.Key, StringComparer.Ordinal);
        return new BuildSettings(new ConfigurationBuilder()
            .AddJsonFile(file, optional: false)
            .AddEnvironmentVariables("STM32BOOT_")
            .AddInMemoryCollection(overrides)
            .Build(), defaults, CommandLineSettings.DescribeOverrides(environment, overrides));
    }

    public void WriteEffective(string path)
    {
        System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, ToJson(configuration, defaults).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    // Configuration flattens every value to text; a value whose key is a number or a boolean in build/settings.json
    // is written back as a JSON number or boolean (an override that does not parse as one stays text, and the tools
    // refuse it with the key's rule). A list (TrustedKeys) comes back as children "0", "1", ... or, empty, as "".
    static JsonObject ToJson(IConfiguration section, JsonNode? defaults)
    {
        var json = new JsonObject();
        foreach (var child in section.GetChildren())
        {
            var original = Default(defaults, child.Key);
            var kind = original?.GetValueKind();
            json[child.Key] = kind == JsonValueKind.Array
                    ? new JsonArray(child.GetChildren().OrderBy(c => int.TryParse(c.Key, out var i) ? i : int.MaxValue)
                                         .Select(c => (JsonNode?)JsonValue.Create(c.Value)).ToArray())
                : child.GetChildren().Any() ? ToJson(child, original)
                : kind == JsonValueKind.Number && long.TryParse(child.Value, out var number) ? JsonValue.Create(number)
                : kind is JsonValueKind.True or JsonValueKind.False && bool.TryParse(child.Value, out var flag) ? JsonValue.Create(flag)
                : JsonValue.Create(child.Value);
        }
        return json;
    }

    // Keys match without regard to case, as configuration matches them (STM32BOOT_ALLOWDOWNGRADE=true is AllowDowngrade).
    static JsonNode? Default(JsonNode? defaults, string key) =>
        defaults is JsonObject properties
            ? properties.FirstOrDefault(p => string.Equals(p.Key, key, StringComparison.OrdinalIgnoreCase)).Value
            : null;

    string Require(string key) => configuration[key] is { Length: > 0 } value
        ? value : throw new CakeException($"setting '{key}' is missing: add it to build/settings.json.");
}
