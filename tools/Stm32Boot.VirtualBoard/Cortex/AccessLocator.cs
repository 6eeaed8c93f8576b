// Finds which instruction of a translated block made a given memory access. Unicorn only knows the block's start
// when a peripheral callback or an unmapped access stops it, but the registers then hold the values from just
// before the faulting instruction, so decoding the block's loads and stores (ARMv7-M A5.2.4, A5.3.7-A5.3.10) and
// computing each one's address from them points at the culprit.
using System.Numerics;

namespace Stm32Boot.VirtualBoard.Cortex;

internal static class AccessLocator
{
    /// regs: R0..R14. Returns the address of the first load/store in the block whose access covers target.
    public static uint? Find(ReadOnlySpan<byte> block, uint blockAddress, ReadOnlySpan<uint> regs, uint target)
    {
        var at = 0;
        while (at + 2 <= block.Length)
        {
            var pc = blockAddress + (uint)at;
            var hw1 = BitConverter.ToUInt16(block[at..]);
            var wide = ThumbDecoder.IsWide(hw1);
            if (wide && at + 4 > block.Length) break;
            var hw2 = wide ? BitConverter.ToUInt16(block[(at + 2)..]) : (ushort)0;
            var access = wide ? Decode32(hw1, hw2, pc, regs) : Decode16(hw1, pc, regs);
            if (access is { } a && target >= a.Address && (ulong)target < (ulong)a.Address + a.Length) return pc;
            at += wide ? 4 : 2;
        }
        return null;
    }

    private static uint Reg(ReadOnlySpan<uint> regs, int n, uint pc) => n == 15 ? pc + 4 : regs[n];

    private static (uint Address, uint Length)? Decode16(ushort hw, uint pc, ReadOnlySpan<uint> regs)
    {
        int rn = (hw >> 3) & 7, imm5 = (hw >> 6) & 0x1F;
        switch (hw >> 11)
        {
            case 0b01001: return (((pc + 4) & ~3u) + (uint)(hw & 0xFF) * 4, 4);                       // LDR literal
            case 0b01010 or 0b01011:                                                                  // register offset
                uint[] sizes = [4, 2, 1, 1, 4, 2, 1, 2];
                return (regs[rn] + regs[(hw >> 6) & 7], sizes[(hw >> 9) & 7]);
            case 0b01100 or 0b01101: return (regs[rn] + (uint)imm5 * 4, 4);                           // STR/LDR imm
            case 0b01110 or 0b01111: return (regs[rn] + (uint)imm5, 1);                               // STRB/LDRB imm
            case 0b10000 or 0b10001: return (regs[rn] + (uint)imm5 * 2, 2);                           // STRH/LDRH imm
            case 0b10010 or 0b10011: return (regs[13] + (uint)(hw & 0xFF) * 4, 4);                    // SP-relative
            case 0b11000 or 0b11001: return (regs[(hw >> 8) & 7], 4u * (uint)BitOperations.PopCount((uint)hw & 0xFF)); // STM/LDM
        }
        if ((hw & 0xFE00) == 0xB400) { var n = 4u * (uint)BitOperations.PopCount((uint)hw & 0x1FF); return (regs[13] - n, n); } // PUSH
        if ((hw & 0xFE00) == 0xBC00) return (regs[13], 4u * (uint)BitOperations.PopCount((uint)hw & 0x1FF));                 // POP
        return null;
    }

    private static (uint Address, uint Length)? Decode32(ushort hw1, ushort hw2, uint pc, ReadOnlySpan<uint> regs)
    {
        var rn = hw1 & 0xF;
        if ((hw1 & 0xFE00) == 0xF800 && ((hw1 >> 5) & 3) != 3)                                       // single load/store
        {
            var size = 1u << ((hw1 >> 5) & 3);
            if (rn == 15) return ((hw1 & 0x80) != 0 ? ((pc + 4) & ~3u) + (uint)(hw2 & 0xFFF) : ((pc + 4) & ~3u) - (uint)(hw2 & 0xFFF), size);
            if ((hw1 & 0x80) != 0) return (regs[rn] + (uint)(hw2 & 0xFFF), size);                    // imm12
            if ((hw2 & 0x800) != 0)                                                                   // imm8, P/U/W
            {
                var imm8 = (uint)(hw2 & 0xFF);
                var indexed = (hw2 & 0x400) != 0;
                var add = (hw2 & 0x200) != 0;
                return (indexed ? (add ? regs[rn] + imm8 : regs[rn] - imm8) : regs[rn], size);
            }
            if ((hw2 & 0xFC0) == 0) return (regs[rn] + (regs[hw2 & 0xF] << ((hw2 >> 4) & 3)), size);  // register
            return null;
        }
        if ((hw1 & 0xFE40) == 0xE840)                                                                 // LDRD/STRD/LDREX/STREX
        {
            var imm = (uint)(hw2 & 0xFF) * 4;
            var indexed = (hw1 & 0x100) != 0;
            var add = (hw1 & 0x80) != 0;
            var exclusive = (hw1 & 0x1A0) == 0;
            var baseAddress = Reg(regs, rn, pc);
            if (exclusive) return (baseAddress + imm, 4);
            return (indexed ? (add ? baseAddress + imm : baseAddress - imm) : baseAddress, 8);
        }
        if ((hw1 & 0xFE40) == 0xE800 && ((hw1 >> 7) & 3) is 1 or 2)                                   // LDM/STM IA/DB
        {
            var length = 4u * (uint)BitOperations.PopCount((uint)hw2);
            return ((hw1 >> 7 & 3) == 1 ? regs[rn] : regs[rn] - length, length);
        }
        return null;
    }
}
