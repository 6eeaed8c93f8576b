namespace Stm32Boot.Uart;

/// <summary>What a bootloader says about itself when probed the way stm32flash does (Get Version, Get, Get ID).</summary>
/// <param name="ProtocolVersion">AN3155 protocol version, 0x31 for 3.1.</param>
/// <param name="OptionBytes">The two compatibility bytes that follow the version in Get Version's answer.</param>
/// <param name="Commands">The command codes Get lists.</param>
/// <param name="ProductId">The device id Get ID reports (0x415 for the STM32L47x/L48x).</param>
public sealed record BootloaderInfo(byte ProtocolVersion, byte[] OptionBytes, IReadOnlyList<byte> Commands, ushort ProductId)
{
    public string VersionText => $"{ProtocolVersion >> 4}.{ProtocolVersion & 0xF}";

    public bool Supports(An3155Command command) => Commands.Contains((byte)command);
}
