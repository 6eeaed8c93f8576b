namespace Stm32Boot.Uart;

/// <summary>
/// How long the client waits for the bootloader. stm32flash 0.7 allows 0.5 s per reply and the bootloader is
/// built to answer well within that; the defaults here leave a margin for USB serial latency and for a virtual
/// board that runs slower than real time.
/// </summary>
public sealed record An3155Timeouts
{
    /// <summary>For every reply that needs no flash operation, and for each chunk of a Read Memory answer.</summary>
    public TimeSpan Reply { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>For the ACK after a Write Memory data block, which the bootloader sends once the block is programmed
    /// (and, if the host did not erase it, its page erased).</summary>
    public TimeSpan WriteBlock { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Added to <see cref="Reply"/> per page of an Extended Erase; an L4 page erase takes at most 24.5 ms.</summary>
    public TimeSpan ErasePerPage { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long the line must stay silent before stale bytes are taken to be all gone.</summary>
    public TimeSpan Quiet { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan Erase(int pages) => Reply + ErasePerPage * pages;
}
