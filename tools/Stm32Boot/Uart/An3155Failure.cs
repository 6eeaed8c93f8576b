namespace Stm32Boot.Uart;

/// <summary>How an AN3155 exchange went wrong; decides whether the client may resynchronise and repeat it.</summary>
public enum An3155Failure
{
    /// <summary>The bootloader answered NACK: it understood and refused, so repeating cannot help.</summary>
    Nack,

    /// <summary>Nothing (or too little) arrived in time: a byte may have been lost on the line.</summary>
    NoAnswer,

    /// <summary>A byte other than ACK, NACK or BUSY arrived where one of them was due: the two sides are out of step.</summary>
    UnexpectedReply,

    /// <summary>The exchange may have taken effect although it was not confirmed (Go), so it is not repeated.</summary>
    Unconfirmed,

    /// <summary>Read Memory refused at its command byte: read protection is active (AN3155: a bootloader under RDP
    /// NACKs Read Memory), so nothing can be read back.</summary>
    ReadProtected,
}
