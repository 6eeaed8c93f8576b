namespace Stm32Boot.Uart;

/// <summary>What to do besides erasing and writing, and which device to expect.</summary>
/// <param name="ProductId">The product id Get ID must report: the high half of the settings' BoardId (0x415).</param>
/// <param name="Verify">Read every block back after the last one is written.</param>
/// <param name="Go">Start the application when everything else succeeded.</param>
public sealed record FlashOptions(ushort ProductId, bool Verify, bool Go);
