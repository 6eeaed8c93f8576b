namespace Stm32Boot.Uart;

/// <summary>The steps of flashing that move data, in the order they run.</summary>
public enum FlashPhase
{
    Erase,
    Write,
    Verify,
}
