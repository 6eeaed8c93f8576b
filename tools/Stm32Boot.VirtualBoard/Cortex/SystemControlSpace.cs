// The Cortex-M4 system control space page 0xE000E000-0xE000EFFF: SysTick, NVIC, SCB, MPU type, STIR and the FPU
// context registers, behind one IPeripheral so the bus maps the page once.
namespace Stm32Boot.VirtualBoard.Cortex;

internal sealed class SystemControlSpace : IPeripheral
{
    /// ICTR.INTLINESNUM: 82 lines need 3 groups of 32 (B3.4.3).
    private const uint Ictr = 2;
    /// MPU_TYPE: 8 regions, unified (PM0214 §4.2.1); the MPU itself is not modelled.
    private const uint MpuType = 0x0000_0800;

    private readonly SysTickTimer _sysTick;
    private readonly Nvic _nvic;
    private readonly Scb _scb;
    private readonly Action<string> _fault;
    private uint _actlr;

    public SystemControlSpace(SysTickTimer sysTick, Nvic nvic, Scb scb, Action<string> fault)
    {
        _sysTick = sysTick;
        _nvic = nvic;
        _scb = scb;
        _fault = fault;
    }

    public string Name => "SCS (SysTick/NVIC/SCB)";
    public uint Base => 0xE000_E000;
    public uint Size => 0x1000;

    public void Reset(ResetKind kind)
    {
        _actlr = 0;
        _sysTick.Reset();
        _scb.Reset();
    }

    public uint Read(uint offset, int size)
    {
        if (offset is >= 0x400 and < 0x4F0) return ReadBytes(offset, size, o => _nvic.ReadPriority((int)(o - 0x400)));
        if (offset is >= 0xD18 and < 0xD24) return ReadBytes(offset, size, o => _scb.ReadShpr((int)(o - 0xD18) + 4));
        if (IsCfsrSubRegister(offset, size)) return 0;
        if (!WordAccess(offset, size, "read")) return 0;
        switch (offset)
        {
            case 0x004: return Ictr;
            case 0x008: return _actlr;
            case >= 0x010 and < 0x020: return _sysTick.Read(offset - 0x010);
            case >= 0x100 and < 0x120 or >= 0x180 and < 0x1A0 or >= 0x200 and < 0x220 or >= 0x280 and < 0x2A0 or >= 0x300 and < 0x320:
                return _nvic.ReadWord(offset - 0x100);
            case 0xD00 or 0xD04 or 0xD08 or 0xD0C or 0xD10 or 0xD14 or 0xD24 or (>= 0xD28 and < 0xD40) or 0xD88:
                return _scb.ReadWord(offset - 0xD00);
            case 0xD90: return MpuType;
            case 0xD94: return 0; // MPU_CTRL: the MPU stays disabled
            case 0xF34 or 0xF38 or 0xF3C: return _scb.ReadFpu(offset - 0xF00);
            default:
                _fault($"{Name}: read of unmodelled register at 0x{Base + offset:X8} (size {size})");
                return 0;
        }
    }

    public void Write(uint offset, int size, uint value)
    {
        if (offset is >= 0x400 and < 0x4F0) { WriteBytes(offset, size, value, (o, b) => _nvic.WritePriority((int)(o - 0x400), b)); return; }
        if (offset is >= 0xD18 and < 0xD24) { WriteBytes(offset, size, value, (o, b) => _scb.WriteShpr((int)(o - 0xD18) + 4, b)); return; }
        if (IsCfsrSubRegister(offset, size)) return;
        if (!WordAccess(offset, size, "write")) return;
        switch (offset)
        {
            case 0x008: _actlr = value & 0x307; break; // DISMCYCINT, DISDEFWBUF, DISFOLD, DISFPCA, DISOOFP
            case >= 0x010 and < 0x020: _sysTick.Write(offset - 0x010, value); break;
            case >= 0x100 and < 0x120 or >= 0x180 and < 0x1A0 or >= 0x200 and < 0x220 or >= 0x280 and < 0x2A0 or >= 0x300 and < 0x320:
                _nvic.WriteWord(offset - 0x100, value);
                break;
            case 0xD00 or 0xD04 or 0xD08 or 0xD0C or 0xD10 or 0xD14 or 0xD24 or (>= 0xD28 and < 0xD40) or 0xD88:
                _scb.WriteWord(offset - 0xD00, value);
                break;
            case 0xD94:
                if (value != 0) _fault($"MPU_CTRL write 0x{value:X8}: the MPU is not modelled by the virtual board");
                break;
            case 0xF00: _nvic.TriggerSoftware(value); break;
            case 0xF34 or 0xF38 or 0xF3C: _scb.WriteFpu(offset - 0xF00, value); break;
            default:
                _fault($"{Name}: write of 0x{value:X8} to unmodelled register at 0x{Base + offset:X8} (size {size})");
                break;
        }
    }

    private bool WordAccess(uint offset, int size, string what)
    {
        if (size == 4 && (offset & 3) == 0) return true;
        _fault($"{Name}: {size}-byte {what} at 0x{Base + offset:X8}; this register is word-access only");
        return false;
    }

    /// MMFSR, BFSR and UFSR inside CFSR are byte/halfword accessible; like CFSR they are always 0 here.
    private static bool IsCfsrSubRegister(uint offset, int size) => offset is >= 0xD28 and < 0xD2C && size != 4;

    private static uint ReadBytes(uint offset, int size, Func<uint, byte> read)
    {
        uint value = 0;
        for (var i = 0; i < size; i++) value |= (uint)read(offset + (uint)i) << (8 * i);
        return value;
    }

    private static void WriteBytes(uint offset, int size, uint value, Action<uint, byte> write)
    {
        for (var i = 0; i < size; i++) write(offset + (uint)i, (byte)(value >> (8 * i)));
    }
}
