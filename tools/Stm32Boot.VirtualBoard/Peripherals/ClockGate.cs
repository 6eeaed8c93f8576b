// A peripheral's bus clock enable bit in one of RCC's xxxENR registers (RM0351 §6.4.16-6.4.21). The matching
// reset bit sits at the same position in the xxxRSTR register 0x20 bytes lower (RM0351 §6.4.10-6.4.15).
namespace Stm32Boot.VirtualBoard.Peripherals;

public readonly record struct ClockGate(uint EnableRegister, int Bit)
{
    public static readonly ClockGate Crc = new(Rcc.RCC_AHB1ENR, 12);     // RCC_AHB1ENR.CRCEN
    public static readonly ClockGate Pwr = new(Rcc.RCC_APB1ENR1, 28);    // RCC_APB1ENR1.PWREN
    public static readonly ClockGate OtgFs = new(Rcc.RCC_AHB2ENR, 12);   // RCC_AHB2ENR.OTGFSEN

    /// RCC_AHB2ENR.GPIOxEN: bit 0 for port A up to bit 7 for port H.
    public static ClockGate Gpio(char port) => new(Rcc.RCC_AHB2ENR, port - 'A');

    public uint ResetRegister => EnableRegister - 0x20;

    public override string ToString() => $"RCC register 0x{EnableRegister:X2} bit {Bit}";
}
