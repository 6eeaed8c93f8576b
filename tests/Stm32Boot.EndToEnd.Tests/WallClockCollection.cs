using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// Tests whose host is a program of its own (stm32flash, the stm32boot CLI) against a <see cref="PtyBoard"/>, which the
/// wall clock paces. Those programs' timeouts are wall-clock seconds: stm32flash gives a Write Memory 1 s for its ACK
/// (STM32_BLKWRITE_TIMEOUT), and the block that completes a signed image is ACKed only after the bootloader verified the
/// signature, about 157 ms of the board's time for the demo application but several times that of emulation under
/// load. So these tests run alone, after the others, not beside campaigns that keep every core busy.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WallClockCollection
{
    public const string Name = "wall-clock paced boards";
}
