namespace Stm32Boot.Uart;

/// <summary>
/// An AN3155 exchange failed. The message names the command (e.g. "Write Memory (0x31)"), the step that failed
/// and what the bootloader's answer means, so a user can act on it without a protocol trace.
/// </summary>
public sealed class An3155Exception(An3155Command? command, An3155Failure failure, string message)
    : Stm32BootException($"{An3155.Describe(command)}: {message}")
{
    /// <summary>The command that failed; null for the sync byte that starts a session.</summary>
    public An3155Command? Command { get; } = command;

    public An3155Failure Failure { get; } = failure;

    /// <summary>The message without the command's name.</summary>
    public string Detail { get; } = message;

    /// <summary>Whether resynchronising and repeating the exchange can succeed.</summary>
    public bool Retryable => Failure is An3155Failure.NoAnswer or An3155Failure.UnexpectedReply;
}
