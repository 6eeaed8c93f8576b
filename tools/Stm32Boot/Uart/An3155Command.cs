namespace Stm32Boot.Uart;

/// <summary>The AN3155 commands this client sends: the subset the bootloader implements (docs/design.md §6).</summary>
public enum An3155Command : byte
{
    Get = 0x00,
    GetVersion = 0x01,
    GetId = 0x02,
    ReadMemory = 0x11,
    Go = 0x21,
    WriteMemory = 0x31,
    ExtendedErase = 0x44,
}
