namespace Stm32Boot.Uart;

/// <summary>What a bootloader says about itself when probed the way stm32flash does (Get Version, Get, Get ID).</summary>
/// <param name="ProtocolVersion">AN3155 protocol version, 0x31 for 3.1.</param>
/// <param name="OptionBytes">The two compatibility bytes that follow the version in Get Version's answer.</param>
/// <param name="Commands">The command codes Get lists.</param>
/// <param name="ProductId">The device id Get ID reports (0x415 for the STM32L47x/L48x).</param>
public sealed record BootloaderInfo(byte ProtocolVersion, byte[] OptionBytes, IReadOnlyList<byte> Commands, ushort ProductId)
{
    /// <summary>
    /// Get's command list of this repository's bootloader (supported_commands in bootloader/core/an3155.c): Get, Get
    /// Version, Get ID, Read Memory, Go, Write Memory, Extended Erase, and nothing else.
    /// </summary>
    public static IReadOnlyList<byte> StagingBootloaderCommands { get; } = [0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44];

    public string VersionText => $"{ProtocolVersion >> 4}.{ProtocolVersion & 0xF}";

    public bool Supports(An3155Command command) => Commands.Contains((byte)command);

    /// <summary>
    /// Whether this is this repository's bootloader, which holds writes to the header page in RAM and programs them
    /// only once the image in flash matches the header (and refuses a header it would never boot before any image page
    /// changes), so the header page may go first. Nothing on the wire names a bootloader: its Get Version (0x31,
    /// option bytes 0x00 0x00) and Get ID (0x0415) answers equal those of ST's ROM bootloader on the STM32L47x/L48x
    /// (AN2606, AN3155). Get's list is the one difference: every ST ROM USART bootloader of protocol 3.x also lists
    /// Write Protect, Write Unprotect, Readout Protect and Readout Unprotect (0x63, 0x73, 0x82, 0x92; AN3155 §2,
    /// table 2), which this bootloader does not offer. Only the exact list counts: any other bootloader, or a later
    /// one of ours with another list, gets the header last, the order that is safe with every bootloader.
    /// </summary>
    public bool StagesHeaderPage => Commands.SequenceEqual(StagingBootloaderCommands);
}
