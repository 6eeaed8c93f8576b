namespace Stm32Boot.Uart;

/// <summary>How far a phase has come, in bytes (for the erase: bytes of the pages erased so far).</summary>
public readonly record struct FlashProgress(FlashPhase Phase, long Done, long Total);
