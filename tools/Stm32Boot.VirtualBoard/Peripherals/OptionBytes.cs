// The user option bytes of the dual-bank STM32L475VG (RM0351 §3.4.1 "Option bytes description"), as the nine
// registers FLASH_OPTR, FLASH_PCROP1SR/ER, FLASH_WRP1AR/BR, FLASH_PCROP2SR/ER and FLASH_WRP2AR/BR show them
// (RM0351 §3.7.8-§3.7.16), with the fields the board acts on decoded.
namespace Stm32Boot.VirtualBoard.Peripherals;

public sealed record OptionBytes
{
    // FLASH_OPTR fields (RM0351 §3.7.8).
    public const uint RDP = 0xFFu, BOR_LEV = 7u << 8, nRST_STOP = 1u << 12, nRST_STDBY = 1u << 13,
        nRST_SHDW = 1u << 14, IWDG_SW = 1u << 16, IWDG_STOP = 1u << 17, IWDG_STDBY = 1u << 18, WWDG_SW = 1u << 19,
        BFB2 = 1u << 20, DUALBANK = 1u << 21, nBOOT1 = 1u << 23, SRAM2_PE = 1u << 24, SRAM2_RST = 1u << 25;
    /// The FLASH_OPTR bits software can change; the others are reserved and keep their value (RM0351 §3.7.8).
    public const uint OptrFields = RDP | BOR_LEV | nRST_STOP | nRST_STDBY | nRST_SHDW | IWDG_SW | IWDG_STOP |
        IWDG_STDBY | WWDG_SW | BFB2 | DUALBANK | nBOOT1 | SRAM2_PE | SRAM2_RST;
    /// WRPxyR: first page in bits 7:0, last page in bits 23:16, page offsets within the bank (RM0351 §3.7.11).
    public const uint WrpFields = 0x00FF_00FF;
    /// PCROPxSR: first double word in bits 15:0; PCROPxER: last double word in bits 15:0 and, in PCROP1ER only,
    /// PCROP_RDP in bit 31 (RM0351 §3.7.9-§3.7.10). Offsets in double words within the bank.
    public const uint PcropField = 0xFFFF, PCROP_RDP = 1u << 31;

    /// RDP byte values (RM0351 §3.5.1): 0xAA level 0, 0xCC level 2, anything else level 1.
    public const byte RdpLevel0 = 0xAA, RdpLevel2 = 0xCC;

    public required uint Optr { get; init; }
    public required uint Pcrop1sr { get; init; }
    public required uint Pcrop1er { get; init; }
    public required uint Wrp1ar { get; init; }
    public required uint Wrp1br { get; init; }
    public required uint Pcrop2sr { get; init; }
    public required uint Pcrop2er { get; init; }
    public required uint Wrp2ar { get; init; }
    public required uint Wrp2br { get; init; }

    /// ST's production values for the 1 MB dual-bank part (RM0351 §3.4.1 and the register reset values of §3.7):
    /// RDP level 0, BOR level 0, software watchdogs, DUALBANK = 1, BFB2 = 0, nBOOT1 = 1, SRAM2 parity off; no PCROP
    /// area (start above end) and no WRP area (start 0xFF above end 0x00).
    public static OptionBytes Factory { get; } = new()
    {
        Optr = 0xFFEF_F8AA,
        Pcrop1sr = 0xFFFF_FFFF, Pcrop1er = 0x0FFF_0000, Wrp1ar = 0xFF00_FFFF, Wrp1br = 0xFF00_FFFF,
        Pcrop2sr = 0xFFFF_FFFF, Pcrop2er = 0x0FFF_0000, Wrp2ar = 0xFF00_FFFF, Wrp2br = 0xFF00_FFFF,
    };

    /// Hardware (false) or software (true) independent watchdog (RM0351 §32.3.2).
    public bool IwdgSw => (Optr & IWDG_SW) != 0;
    public byte Rdp => (byte)(Optr & RDP);
    /// 0, 1 or 2 (RM0351 §3.5.1).
    public int RdpLevel => Rdp switch { RdpLevel0 => 0, RdpLevel2 => 2, _ => 1 };
    /// Dual-bank boot: the system bootloader runs first and may start bank 2 (AN2606).
    public bool Bfb2 => (Optr & BFB2) != 0;

    /// The page range (0..255, within the bank) a WRP register protects, or null: start above end protects nothing
    /// (RM0351 §3.5.2).
    public static (uint First, uint Last)? WrpPages(uint wrp)
    {
        uint first = wrp & 0xFF, last = (wrp >> 16) & 0xFF;
        return first <= last ? (first, last) : null;
    }

    /// The double-word range (within the bank) a PCROP pair protects, or null when start is above end (RM0351 §3.5.3).
    public static (uint First, uint Last)? PcropDoubleWords(uint sr, uint er)
    {
        uint first = sr & PcropField, last = er & PcropField;
        return first <= last ? (first, last) : null;
    }

    /// The write-protected page ranges of a bank (1 or 2), areas A and B.
    public IEnumerable<(uint First, uint Last)> WrpAreas(int bank) =>
        new[] { bank == 1 ? Wrp1ar : Wrp2ar, bank == 1 ? Wrp1br : Wrp2br }
            .Select(WrpPages).Where(a => a is not null).Select(a => a!.Value);

    /// The PCROP double-word range of a bank (1 or 2), if any.
    public (uint First, uint Last)? PcropArea(int bank) =>
        bank == 1 ? PcropDoubleWords(Pcrop1sr, Pcrop1er) : PcropDoubleWords(Pcrop2sr, Pcrop2er);

    /// The nine registers in RM0351's order, with their names.
    public IReadOnlyList<(string Name, uint Value)> Registers =>
    [
        ("FLASH_OPTR", Optr), ("FLASH_PCROP1SR", Pcrop1sr), ("FLASH_PCROP1ER", Pcrop1er), ("FLASH_WRP1AR", Wrp1ar),
        ("FLASH_WRP1BR", Wrp1br), ("FLASH_PCROP2SR", Pcrop2sr), ("FLASH_PCROP2ER", Pcrop2er), ("FLASH_WRP2AR", Wrp2ar),
        ("FLASH_WRP2BR", Wrp2br),
    ];

    /// The same option bytes with one register replaced, by its RM0351 name (FLASH_OPTR or OPTR, any case).
    public OptionBytes With(string register, uint value)
    {
        var name = register.ToUpperInvariant();
        if (!name.StartsWith("FLASH_", StringComparison.Ordinal)) name = "FLASH_" + name;
        return name switch
        {
            "FLASH_OPTR" => this with { Optr = value },
            "FLASH_PCROP1SR" => this with { Pcrop1sr = value },
            "FLASH_PCROP1ER" => this with { Pcrop1er = value },
            "FLASH_WRP1AR" => this with { Wrp1ar = value },
            "FLASH_WRP1BR" => this with { Wrp1br = value },
            "FLASH_PCROP2SR" => this with { Pcrop2sr = value },
            "FLASH_PCROP2ER" => this with { Pcrop2er = value },
            "FLASH_WRP2AR" => this with { Wrp2ar = value },
            "FLASH_WRP2BR" => this with { Wrp2br = value },
            _ => throw new ArgumentException(
                $"'{register}' is not an option register; use one of {string.Join(", ", Registers.Select(r => r.Name[6..].ToLowerInvariant()))}.",
                nameof(register)),
        };
    }

    /// One line per register, and what the board makes of it.
    public override string ToString()
    {
        var lines = Registers.Select(r => $"{r.Name,-15} 0x{r.Value:X8}").ToList();
        lines.Add($"RDP 0x{Rdp:X2} (level {RdpLevel}), IWDG_SW = {(IwdgSw ? 1 : 0)}, BFB2 = {(Bfb2 ? 1 : 0)}, " +
                  $"WRP bank 1: {Describe(WrpAreas(1))}, bank 2: {Describe(WrpAreas(2))}, " +
                  $"PCROP bank 1: {Describe(PcropArea(1))}, bank 2: {Describe(PcropArea(2))}");
        return string.Join(Environment.NewLine, lines);
    }

    private static string Describe(IEnumerable<(uint First, uint Last)> pages)
    {
        var text = string.Join(" and ", pages.Select(p => $"pages {p.First}-{p.Last}"));
        return text.Length == 0 ? "none" : text;
    }

    private static string Describe((uint First, uint Last)? doubleWords) =>
        doubleWords is { } d ? $"double words {d.First}-{d.Last}" : "none";
}
