namespace Stm32Boot;

/// <summary>What <see cref="MemoryImage.Write"/> does with bytes that are already present.</summary>
public enum OverlapRule
{
    /// <summary>The new bytes replace the old ones (patching a header).</summary>
    Replace,

    /// <summary>Equal bytes are fine, a different byte throws <see cref="MemoryConflictException"/> (loading files
    /// whose records or inputs must agree).</summary>
    RejectDifferent,
}
