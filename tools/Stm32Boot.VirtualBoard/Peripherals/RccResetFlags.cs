// The reset-cause flags of RCC_CSR (RM0351 §6.4.30), at their bit positions.
namespace Stm32Boot.VirtualBoard.Peripherals;

[Flags]
public enum RccResetFlags : uint
{
    None = 0,
    FWRSTF = 1u << 24,
    OBLRSTF = 1u << 25,
    PINRSTF = 1u << 26,
    BORRSTF = 1u << 27,
    SFTRSTF = 1u << 28,
    IWDGRSTF = 1u << 29,
    WWDGRSTF = 1u << 30,
    LPWRRSTF = 1u << 31,
}
