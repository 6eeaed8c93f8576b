// The little Thumb-2 decoding the core needs: instruction lengths (virtual time counts instructions) and the few
// encodings it must recognise at a stop (WFI, SVC, BKPT, UDF).
namespace Stm32Boot.VirtualBoard.Cortex;

internal static unsafe class ThumbDecoder
{
    /// ARMv7-M A5.1: a halfword whose top five bits are 0b11101, 0b11110 or 0b11111 starts a 32-bit instruction.
    public static bool IsWide(ushort firstHalfword) => firstHalfword >> 11 >= 0x1D;

    public static int CountInstructions(byte* code, uint length)
    {
        var count = 0;
        uint at = 0;
        while (at < length)
        {
            at += IsWide(*(ushort*)(code + at)) ? 4u : 2u;
            count++;
        }
        return count;
    }

    public const ushort Wfi16 = 0xBF30;
    public const uint Wfi32 = 0x8003_F3AF; // WFI.W: halfwords F3AF 8003, read as a little-endian word
}
