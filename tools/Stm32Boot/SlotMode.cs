namespace Stm32Boot;

/// <summary>
/// The setting <c>SlotMode</c> in build/settings.json. <c>single</c>: one application slot from the bootloader to the
/// end of flash, updates are written over it in place. <c>swap</c>: the primary slot ends with bank 1 and bank 2 holds a
/// secondary slot an update is written to, the image a swap replaced (previous) and the swap status areas; the
/// bootloader swaps a pending update in, starts it in trial and reverts it when it does not confirm itself
/// (RM0351 §3.3.1: the two banks of every STM32L475 flash size).
/// </summary>
public enum SlotMode
{
    Single,
    Swap,
}

public static class SlotModeNames
{
    /// <summary>The setting's spellings, in the order of <see cref="SlotMode"/>.</summary>
    public static readonly string[] All = ["single", "swap"];

    public static string Name(this SlotMode mode) => All[(int)mode];

    public static bool TryParse(string text, out SlotMode mode)
    {
        var index = Array.IndexOf(All, text);
        mode = index < 0 ? SlotMode.Single : (SlotMode)index;
        return index >= 0;
    }
}
