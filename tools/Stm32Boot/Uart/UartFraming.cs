namespace Stm32Boot.Uart;

/// <summary>Baud rate and parity of a serial line (always 8 data bits and 1 stop bit).</summary>
public readonly record struct UartFraming(int Baud, UartParity Parity)
{
    /// <summary>The rates the bootloader's auto-baud detection is built for (issue 5: 9600 … 921600 at least).</summary>
    public const int MinBaud = 9600;

    public const int MaxBaud = 921600;

    /// <summary>The application console and the boot banner: 115200 8N1 (BOARD_CONSOLE_BAUD in platform/include/board.h).</summary>
    public static UartFraming Console { get; } = new(115200, UartParity.None);

    /// <summary>Start bit, 8 data bits, the parity bit if any, stop bit.</summary>
    public int BitsPerByte => Parity == UartParity.None ? 10 : 11;

    /// <summary>The most bytes per second the line can carry: the raw wire rate.</summary>
    public double BytesPerSecond => (double)Baud / BitsPerByte;

    public static bool IsSupportedBaud(int baud) => baud is >= MinBaud and <= MaxBaud;

    public override string ToString() => $"{Baud} 8{(Parity == UartParity.None ? 'N' : 'E')}1";
}
