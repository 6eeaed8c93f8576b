// A peripheral's DMA request line (RM0351 §11.3.2): high while the peripheral wants a transfer (USART1_RX: RXNE with
// USART_CR3.DMAR). The DMA channel it is routed to (DMA_CSELR) serves it; the transfer itself lowers the line again
// (reading USART_RDR clears RXNE).
namespace Stm32Boot.VirtualBoard.Peripherals;

public sealed class DmaRequest(string name)
{
    public string Name { get; } = name;

    public bool Level { get; private set; }

    /// The line went from low to high.
    public event Action? Raised;

    internal void Set(bool level)
    {
        var rising = level && !Level;
        Level = level;
        if (rising) Raised?.Invoke();
    }
}
