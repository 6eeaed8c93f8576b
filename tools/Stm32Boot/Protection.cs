namespace Stm32Boot;

/// <summary>
/// The setting <c>Protection</c> in build/settings.json: what the bootloader makes of the option bytes at its first
/// boot (RM0351 §3.5). <c>none</c> leaves them as they are (BFB2 is cleared whatever the setting);
/// <c>wrp</c> write-protects the bootloader's own pages (WRP1A); <c>wrp+rdp1</c> also sets read protection level 1.
/// Level 2 is never set by the firmware: it cannot be undone.
/// </summary>
public enum Protection
{
    None,
    Wrp,
    WrpRdp1,
}

public static class ProtectionNames
{
    /// <summary>The setting's spellings, in the order of <see cref="Protection"/>.</summary>
    public static readonly string[] All = ["none", "wrp", "wrp+rdp1"];

    public static string Name(this Protection protection) => All[(int)protection];

    public static bool TryParse(string text, out Protection protection)
    {
        var index = Array.IndexOf(All, text);
        protection = index < 0 ? Protection.None : (Protection)index;
        return index >= 0;
    }
}
