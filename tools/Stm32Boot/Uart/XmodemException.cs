namespace Stm32Boot.Uart;

public enum XmodemFailure
{
    /// <summary>No 'C' from the receiver.</summary>
    NoReceiver,

    /// <summary>The receiver asked for the checksum mode (NAK), which this sender does not speak.</summary>
    ChecksumMode,

    /// <summary>A block or the EOT was not acknowledged after every retry.</summary>
    TooManyRetries,

    /// <summary>The receiver sent CAN CAN: it gave up (its reason follows on the console).</summary>
    CancelledByReceiver,
}

/// <summary>An XMODEM transfer that did not complete; the message says why and what was sent.</summary>
public sealed class XmodemException(XmodemFailure failure, string message) : Stm32BootException(message)
{
    public XmodemFailure Failure { get; } = failure;
}
