// NVIC registers (ARMv7-M B3.4, PM0214 §4.3): set/clear-enable, set/clear-pending, active bits, priorities, STIR.
namespace Stm32Boot.VirtualBoard.Cortex;

internal sealed class Nvic
{
    private readonly ExceptionState _exceptions;

    public Nvic(ExceptionState exceptions) => _exceptions = exceptions;

    /// offset is relative to 0xE000E100.
    public uint ReadWord(uint offset)
    {
        var group = (int)(offset & 0x7F) / 4;
        return (offset & ~0x7Fu) switch
        {
            0x000 or 0x080 => Bits(group, _exceptions.IsEnabled),     // ISER, ICER read the enables
            0x100 or 0x180 => Bits(group, _exceptions.IsPending),     // ISPR, ICPR read the pendings
            0x200 => Bits(group, _exceptions.IsActive),               // IABR
            _ => throw new ArgumentOutOfRangeException(nameof(offset)),
        };
    }

    public void WriteWord(uint offset, uint value)
    {
        var group = (int)(offset & 0x7F) / 4;
        for (var bit = 0; bit < 32; bit++)
        {
            if ((value & (1u << bit)) == 0) continue;
            var irq = group * 32 + bit;
            if (irq >= ExceptionState.IrqCount) continue; // unimplemented lines are RAZ/WI
            var n = ExceptionState.FirstIrq + irq;
            switch (offset & ~0x7Fu)
            {
                case 0x000: _exceptions.SetEnabled(n, true); break;
                case 0x080: _exceptions.SetEnabled(n, false); break;
                case 0x100: _exceptions.SetPending(n, true); break;
                case 0x180: _exceptions.SetPending(n, false); break;
                case 0x200: break; // IABR is read-only
                default: throw new ArgumentOutOfRangeException(nameof(offset));
            }
        }
    }

    /// NVIC_IPRn bytes (offset relative to 0xE000E400), byte accessible.
    public byte ReadPriority(int irq) => irq < ExceptionState.IrqCount ? _exceptions.Priority(ExceptionState.FirstIrq + irq) : (byte)0;

    public void WritePriority(int irq, byte value)
    {
        if (irq < ExceptionState.IrqCount) _exceptions.SetPriority(ExceptionState.FirstIrq + irq, value);
    }

    /// STIR: software trigger of an interrupt by number.
    public void TriggerSoftware(uint value)
    {
        var irq = (int)(value & 0x1FF);
        if (irq < ExceptionState.IrqCount) _exceptions.SetPending(ExceptionState.FirstIrq + irq, true);
    }

    private static uint Bits(int group, Func<int, bool> state)
    {
        uint value = 0;
        for (var bit = 0; bit < 32; bit++)
        {
            var irq = group * 32 + bit;
            if (irq < ExceptionState.IrqCount && state(ExceptionState.FirstIrq + irq)) value |= 1u << bit;
        }
        return value;
    }
}
