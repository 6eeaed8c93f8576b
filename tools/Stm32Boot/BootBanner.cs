namespace Stm32Boot;

/// <summary>
/// The setting <c>BootBanner</c> in build/settings.json: what the bootloader prints on USART1 at a reset.
/// <c>full</c>: every banner line at every reset (bootloader and board, reset cause, verdict), for development,
/// training and the tests. <c>quiet</c>: for products, where the banner's three lines at 115200 Bd would be most of the
/// boot time (about 9 ms of 12): a reset that starts the application with nothing to report prints nothing; every line
/// that carries news still prints (an update refused, a fault, a security-counter raise, a trial start, what the
/// option bytes needed, a swap or revert), and a reset that stays in update mode prints the full banner before its
/// verdict. Every way into update mode works in both.
/// </summary>
public enum BootBanner
{
    Full,
    Quiet,
}

public static class BootBannerNames
{
    /// <summary>The setting's spellings, in the order of <see cref="BootBanner"/>.</summary>
    public static readonly string[] All = ["full", "quiet"];

    public static string Name(this BootBanner banner) => All[(int)banner];

    public static bool TryParse(string text, out BootBanner banner)
    {
        var index = Array.IndexOf(All, text);
        banner = index < 0 ? BootBanner.Full : (BootBanner)index;
        return index >= 0;
    }
}
