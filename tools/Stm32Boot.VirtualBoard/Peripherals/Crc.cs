// CRC calculation unit (RM0351 §14): programmable polynomial of 7, 8, 16 or 32 bits, initial value, input bit
// reversal by byte, half-word or word, output reversal, and 8-, 16- or 32-bit writes to CRC_DR. The unit shifts the
// data in MSB first, one bit per step, exactly the serial definition of a non-reflected CRC; the zlib CRC-32 comes
// out with REV_IN = word (or byte), REV_OUT = 1, INIT = 0xFFFFFFFF and a final XOR in software.
namespace Stm32Boot.VirtualBoard.Peripherals;

public sealed class Crc : MmioPeripheral
{
    public const uint BaseAddress = 0x4002_3000;

    private const uint CRC_DR = 0x00, CRC_IDR = 0x04, CRC_CR = 0x08, CRC_INIT = 0x10, CRC_POL = 0x14;
    private const uint CRC_CR_RESET = 1u << 0, CRC_CR_POLYSIZE = 3u << 3, CRC_CR_REV_IN = 3u << 5,
        CRC_CR_REV_OUT = 1u << 7;
    private const uint CRC_IDR_IDR = 0xFF; // 8 bits on STM32L4 (RM0351 §14.4.2)
    private const uint InitResetValue = 0xFFFF_FFFF, PolResetValue = 0x04C1_1DB7;

    private readonly Rcc _rcc;
    private uint _crc, _idr, _cr, _init, _pol;

    public Crc(IBoard board, Rcc rcc) : base(board, "CRC", BaseAddress, 0x400)
    {
        _rcc = rcc;
        rcc.PeripheralReset += gate =>
        {
            if (gate == ClockGate.Crc) Reset(ResetKind.System);
        };
        Reset(ResetKind.PowerOn);
    }

    public override void Reset(ResetKind kind)
    {
        _crc = InitResetValue;
        _idr = 0;
        _cr = 0;
        _init = InitResetValue;
        _pol = PolResetValue;
    }

    private protected override bool IsInterfaceClocked(uint offset) => _rcc.IsClocked(ClockGate.Crc);

    /// POLYSIZE: 00 = 32, 01 = 16, 10 = 8, 11 = 7 bits.
    private int PolySize => ((_cr & CRC_CR_POLYSIZE) >> 3) switch { 0 => 32, 1 => 16, 2 => 8, _ => 7 };

    private uint PolyMask => PolySize == 32 ? 0xFFFF_FFFF : (1u << PolySize) - 1;

    private protected override uint ReadRegister(uint offset)
    {
        switch (offset)
        {
            case CRC_DR:
                var result = _crc & PolyMask;
                // The output is reversed over the polynomial width, so a 16-bit CRC stays in DR[15:0].
                return (_cr & CRC_CR_REV_OUT) != 0 ? ReverseBits(result, PolySize) : result;
            case CRC_IDR: return _idr;
            case CRC_CR: return _cr;
            case CRC_INIT: return _init;
            case CRC_POL: return _pol;
            default:
                Unmodelled(offset, "read");
                return 0;
        }
    }

    private protected override void WriteRegister(uint offset, uint value, uint mask)
    {
        switch (offset)
        {
            case CRC_DR: Feed(value, mask); break;
            case CRC_IDR: _idr = Merge(_idr, value, mask) & CRC_IDR_IDR; break;
            case CRC_CR:
                var next = Merge(_cr, value, mask);
                _cr = next & (CRC_CR_POLYSIZE | CRC_CR_REV_IN | CRC_CR_REV_OUT);
                // RESET reloads DR from INIT and clears itself (RM0351 §14.4.3).
                if ((next & CRC_CR_RESET) != 0) _crc = _init & PolyMask;
                break;
            case CRC_INIT: _init = Merge(_init, value, mask); break;
            case CRC_POL:
                var polynomial = Merge(_pol, value, mask);
                if ((polynomial & 1) == 0)
                {
                    Board.Fault($"CRC: CRC_POL = 0x{polynomial:X8} is even; RM0351 §14.3.2 supports odd " +
                                "polynomials only.");
                    break;
                }
                _pol = polynomial;
                break;
            default:
                Unmodelled(offset, "write");
                break;
        }
    }

    /// A write of 8, 16 or 32 bits to CRC_DR enters that many bits (RM0351 §14.3.2).
    private void Feed(uint value, uint mask)
    {
        var width = System.Numerics.BitOperations.PopCount(mask);
        var data = value >> System.Numerics.BitOperations.TrailingZeroCount(mask);
        var reversalUnit = ((_cr & CRC_CR_REV_IN) >> 5) switch { 0 => 0, 1 => 8, 2 => 16, _ => 32 };
        // A reversal unit wider than the write reverses the written bits only: only they are on the bus.
        if (reversalUnit != 0) data = ReverseUnits(data, width, Math.Min(reversalUnit, width));

        var size = PolySize;
        var polyMask = PolyMask;
        var polynomial = _pol & polyMask;
        var crc = _crc & polyMask;
        for (var bit = width - 1; bit >= 0; bit--)
        {
            var feedback = ((crc >> (size - 1)) ^ (data >> bit)) & 1;
            crc = (crc << 1) & polyMask;
            if (feedback != 0) crc ^= polynomial;
        }
        _crc = crc;
    }

    private static uint ReverseUnits(uint data, int width, int unit)
    {
        var result = 0u;
        var unitMask = unit == 32 ? 0xFFFF_FFFF : (1u << unit) - 1;
        for (var shift = 0; shift < width; shift += unit)
            result |= ReverseBits((data >> shift) & unitMask, unit) << shift;
        return result;
    }

    private static uint ReverseBits(uint value, int width)
    {
        var result = 0u;
        for (var i = 0; i < width; i++) result |= ((value >> i) & 1) << (width - 1 - i);
        return result;
    }
}
