// The USART instances a board may take for its console, as the USART model needs them: where the registers are
// (RM0351 memory map), the NVIC line (RM0351 Table 57, vector table), the clock enable bit (RM0351 §6.4.17-6.4.21),
// the RCC_CCIPR field that picks the kernel clock and which PCLK its value 00 selects (RM0351 §6.4.28), and the DMA
// channels that serve the receive request with their DMA_CSELR request number (RM0351 §11.6.7, DMA1 and DMA2 request
// mapping). The firmware's names for the same facts are in platform/include/regs/usart.h, rcc.h and regs/dma.h.
namespace Stm32Boot.VirtualBoard.Peripherals;

/// One DMA channel that can serve a request: controller 1 or 2, channel 1..7, the DMA_CSELR.CxS value.
public readonly record struct DmaRoute(int Dma, int Channel, uint Request);

public sealed record UsartInstance(string Name, uint BaseAddress, int Irq, ClockGate Gate, int KernelClockSelectShift,
                                   bool OnApb2, DmaRoute[] RxDmaRoutes)
{
    public static readonly UsartInstance Usart1 = new("USART1", 0x4001_3800, 37, new ClockGate(Rcc.RCC_APB2ENR, 14), 0, true,
        [new DmaRoute(1, 5, 2), new DmaRoute(2, 7, 2)]);
    public static readonly UsartInstance Usart2 = new("USART2", 0x4000_4400, 38, new ClockGate(Rcc.RCC_APB1ENR1, 17), 2, false,
        [new DmaRoute(1, 6, 2)]);
    public static readonly UsartInstance Usart3 = new("USART3", 0x4000_4800, 39, new ClockGate(Rcc.RCC_APB1ENR1, 18), 4, false,
        [new DmaRoute(1, 3, 2)]);
    public static readonly UsartInstance Uart4 = new("UART4", 0x4000_4C00, 52, new ClockGate(Rcc.RCC_APB1ENR1, 19), 6, false,
        [new DmaRoute(2, 5, 2)]);
    public static readonly UsartInstance Uart5 = new("UART5", 0x4000_5000, 53, new ClockGate(Rcc.RCC_APB1ENR1, 20), 8, false,
        [new DmaRoute(2, 2, 2)]);

    public static IReadOnlyList<UsartInstance> All { get; } = [Usart1, Usart2, Usart3, Uart4, Uart5];

    public override string ToString() => Name;
}
