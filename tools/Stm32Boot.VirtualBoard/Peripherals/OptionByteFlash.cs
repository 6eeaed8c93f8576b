// The option-byte pages of the flash (RM0351 §3.4.1): every option register is kept as one double word, the value in
// its low word and its complement in the high word; bank 1's five (FLASH_OPTR, PCROP1SR/ER, WRP1AR/BR) from
// 0x1FFF7800, bank 2's four (PCROP2SR/ER, WRP2AR/BR) from 0x1FFFF808. Like the main array they keep their content
// across resets and power cycles.
//
// OPTSTRT rewrites all of them: "any modification of the value of one option is automatically performed by erasing
// both user option bytes pages first (bank 1 and bank 2) and then programming all the option bytes", bank 1's first
// (RM0351 §3.4.2 "Modifying user options"); the model gives each step its DS10969 §6.3.10 time (page erase 22.02 ms,
// double word 81.69 µs). A power cut or a reset in the middle leaves the double word being worked on torn and the
// ones not reached erased; either way value and complement no longer match.
//
// Loading (at power-on and OBL_LAUNCH) compares each value with its complement; where they differ it sets OPTVERR
// and forces RM0351's mismatch value (§3.4.2 "Option byte loading"): for the user options all option bits 1 except
// BOR_LEV = 000, for RDP level 1, for WRP "no protection", for PCROP "all memory protected".
namespace Stm32Boot.VirtualBoard.Peripherals;

public sealed class OptionByteFlash
{
    private const int Bank1Words = 5, Words = 9;
    private static readonly ulong ErasePs = VirtualTime.Milliseconds(22.02);
    private static readonly ulong DoubleWordPs = VirtualTime.Microseconds(81.69);

    /// How long OPTSTRT keeps FLASH_SR.BSY set: two page erases, then nine double words.
    public static ulong ProgrammingPs { get; } = 2 * ErasePs + Words * DoubleWordPs;

    /// The register values forced where a double word fails its check, in the order of OptionBytes.Registers.
    private static readonly uint[] MismatchValues =
    [
        0xFFFF_F8FF,                // FLASH_OPTR: every option bit 1, BOR_LEV 000; RDP 0xFF = level 1
        0xFFFF_0000, 0xFFFF_FFFF,   // PCROP1: from double word 0 to 0xFFFF (PCROP_RDP 1): the whole bank
        0xFF00_FFFF, 0xFF00_FFFF,   // WRP1A/B: start above end, no protection
        0xFFFF_0000, 0xFFFF_FFFF,   // PCROP2: the whole bank
        0xFF00_FFFF, 0xFF00_FFFF,   // WRP2A/B
    ];

    private readonly ulong[] _doubleWords = new ulong[Words];

    public OptionByteFlash(OptionBytes initial) => Program(initial);

    /// Every double word written with its value and complement, as a completed OPTSTRT leaves them.
    public void Program(OptionBytes values)
    {
        var registers = values.Registers;
        for (var i = 0; i < Words; i++) _doubleWords[i] = Pair(registers[i].Value);
    }

    /// The value words as they are now, whether their complements match or not.
    public OptionBytes Values => FromWords(i => (uint)_doubleWords[i]);

    /// Whether every value matches its complement (nothing torn).
    public bool Consistent => Enumerable.Range(0, Words).All(Matches);

    /// What option byte loading puts into the internal option registers, and whether any pair failed (OPTVERR). A
    /// PCROP area is one option in two double words: either failing makes the whole bank protected.
    public (OptionBytes Loaded, bool Mismatch) Load()
    {
        bool Good(int i) => i switch { 1 or 2 => Matches(1) && Matches(2), 5 or 6 => Matches(5) && Matches(6), _ => Matches(i) };
        return (FromWords(i => Good(i) ? (uint)_doubleWords[i] : MismatchValues[i]), !Consistent);
    }

    /// A power cut or reset elapsedPs after OPTSTRT started to program target: what the pages hold then.
    public void Cut(OptionBytes target, ulong elapsedPs)
    {
        if (elapsedPs >= ProgrammingPs)
        {
            Program(target);
            return;
        }
        if (elapsedPs < ErasePs)
        {
            // The bank-1 page is being erased: its double words are neither old nor erased.
            for (var i = 0; i < Bank1Words; i++) _doubleWords[i] = TornErase(_doubleWords[i]);
            return;
        }
        for (var i = 0; i < Bank1Words; i++) _doubleWords[i] = ulong.MaxValue;
        if (elapsedPs < 2 * ErasePs)
        {
            for (var i = Bank1Words; i < Words; i++) _doubleWords[i] = TornErase(_doubleWords[i]);
            return;
        }
        for (var i = Bank1Words; i < Words; i++) _doubleWords[i] = ulong.MaxValue;
        var programmed = (int)((elapsedPs - 2 * ErasePs) / DoubleWordPs);
        var registers = target.Registers;
        for (var i = 0; i < programmed; i++) _doubleWords[i] = Pair(registers[i].Value);
        _doubleWords[programmed] = TornProgram(Pair(registers[programmed].Value));
    }

    private bool Matches(int i) => (uint)_doubleWords[i] == ~(uint)(_doubleWords[i] >> 32);

    private static ulong Pair(uint value) => value | ((ulong)~value << 32);

    // As Flash.ApplyTorn: an erase cut short leaves the low nibble of every byte set, a program the low-nibble bits
    // programmed. Neither leaves a matching pair (value | m never equals ~(~value | m) for m != 0).
    private static ulong TornErase(ulong old) => old | 0x0F0F_0F0F_0F0F_0F0F;

    private static ulong TornProgram(ulong content) => content | 0xF0F0_F0F0_F0F0_F0F0;

    private static OptionBytes FromWords(Func<int, uint> word) => new()
    {
        Optr = word(0), Pcrop1sr = word(1), Pcrop1er = word(2), Wrp1ar = word(3), Wrp1br = word(4),
        Pcrop2sr = word(5), Pcrop2er = word(6), Wrp2ar = word(7), Wrp2br = word(8),
    };
}
