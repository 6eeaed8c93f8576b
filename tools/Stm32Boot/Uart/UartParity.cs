namespace Stm32Boot.Uart;

/// <summary>Parity of a serial line. AN3155 runs 8E1 on the wire; a Linux pty cannot carry parity, so over one
/// (the virtual board's) both ends run 8N1.</summary>
public enum UartParity
{
    Even,
    None,
}
