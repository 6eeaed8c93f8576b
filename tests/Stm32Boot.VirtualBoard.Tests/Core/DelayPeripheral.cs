// A minimal peripheral for core tests: writing START makes STATUS read 1 a fixed virtual delay later (and
// raises IRQ 2), like a flash BSY or UART TXE flag the firmware polls.
namespace Stm32Boot.VirtualBoard.Tests.Core;

public sealed class DelayPeripheral(IBoard board, ulong delayPs) : IPeripheral
{
    public const uint Address = 0x4000_0000;
    public const int Irq = 2;
    private uint _status;

    public string Name => "DELAY";
    public uint Base => Address;
    public uint Size => 0x400;
    public int Reads { get; private set; }

    public uint Read(uint offset, int size)
    {
        Reads++;
        if (offset == 4) return _status;
        board.Fault($"DELAY: read of unmodelled offset 0x{offset:X}");
        return 0;
    }

    public void Write(uint offset, int size, uint value)
    {
        if (offset != 0) { board.Fault($"DELAY: write to unmodelled offset 0x{offset:X}"); return; }
        _status = 0;
        board.Clock.Schedule(board.Clock.NowPs + delayPs, () => { _status = 1; board.SetIrqLevel(Irq, true); board.SetIrqLevel(Irq, false); });
    }

    public void Reset(ResetKind kind) => _status = 0;
}
