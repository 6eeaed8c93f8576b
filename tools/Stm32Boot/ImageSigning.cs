namespace Stm32Boot;

/// <summary>How <see cref="Stamper"/> signs: with this key (its private half), stamping this security counter into the
/// signed part of the block (the bootloader's anti-rollback refuses images whose counter is below its stored minimum).</summary>
public sealed record ImageSigning(SigningKey Key, uint SecurityCounter);
