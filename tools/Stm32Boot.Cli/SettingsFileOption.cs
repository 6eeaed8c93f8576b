using System.ComponentModel;
using Spectre.Console.Cli;

namespace Stm32Boot.Cli;

/// <summary>The --settings option shared by every command that needs the memory map or board id.</summary>
public class SettingsFileOption : CommandSettings
{
    [CommandOption("--settings <FILE>")]
    [Description("Settings JSON (the effective settings the build writes). Default: out/settings.effective.json of the built " +
                 "repository the current directory is in, else the build/settings.json built into stm32boot.")]
    public string? SettingsFile { get; init; }

    public BuildSettings LoadSettings() =>
        BuildSettings.LoadOrDefault(SettingsFile ?? BuildSettings.FindEffective(Directory.GetCurrentDirectory()));
}
