namespace Stm32Boot.Uart;

/// <summary>The bytes of ST's AN3155 USART bootloader protocol that are not commands.</summary>
public static class An3155
{
    /// <summary>Sent once to start a session: it also lets the bootloader measure the baud rate.</summary>
    public const byte Sync = 0x7F;

    public const byte Ack = 0x79;
    public const byte Nack = 0x1F;

    /// <summary>Sent by some bootloaders while a long operation (an erase) runs; it restarts the wait for ACK.</summary>
    public const byte Busy = 0x76;

    /// <summary>The most bytes one Read Memory or Write Memory moves (the length goes on the wire as N - 1).</summary>
    public const int MaxBlockLength = 256;

    /// <summary>Write Memory addresses and lengths must be multiples of this.</summary>
    public const int WriteAlignment = 4;

    /// <summary>How errors and logs name a command: its AN3155 name and code, e.g. "Write Memory (0x31)".</summary>
    public static string Describe(An3155Command? command) => command switch
    {
        null => "sync (0x7F)",
        An3155Command.Get => "Get (0x00)",
        An3155Command.GetVersion => "Get Version (0x01)",
        An3155Command.GetId => "Get ID (0x02)",
        An3155Command.ReadMemory => "Read Memory (0x11)",
        An3155Command.Go => "Go (0x21)",
        An3155Command.WriteMemory => "Write Memory (0x31)",
        An3155Command.ExtendedErase => "Extended Erase (0x44)",
        _ => $"command 0x{(byte)command:X2}",
    };
}
