namespace Stm32Boot.Uart;

/// <summary>A block that read back differently from what was written: its first differing byte and how many differ.</summary>
public sealed record VerifyMismatch(uint Address, byte Expected, byte Actual, int DifferingBytes)
{
    public override string ToString() =>
        $"{HexNumber.Format(Address)}: wrote {HexNumber.Format(Expected)}, read {HexNumber.Format(Actual)} ({DifferingBytes} bytes differ in its block)";
}
