namespace Stm32Boot;

/// <summary>The firmware build flavour, as CMakePresets.json names its presets (lower-cased).</summary>
public enum BuildType
{
    Release,
    Debug,
}
