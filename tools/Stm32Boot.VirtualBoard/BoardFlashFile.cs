// The board's non-volatile memory in files, for `stm32boot emulate --flash FILE`: one run saves what the flash holds
// when it ends, the next starts from it, as a real board keeps its flash between power-ups.
using System.Globalization;
using Stm32Boot.VirtualBoard.Peripherals;

namespace Stm32Boot.VirtualBoard;

/// <summary>
/// FILE holds the main flash array, exactly as many bytes as it has (1 MB from 0x08000000: a whole-flash dump that
/// `stm32boot info` and any binary tool read); FILE.otp the OTP area (RM0351 §3.3.1, 1 KB from 0x1FFF7000); FILE.option-bytes
/// the nine option registers as the option-byte pages store them (RM0351 §3.4), one "FLASH_OPTR 0xFFEFF8AA" line each.
/// What the files do not keep: the ECC of a double word a power cut tore (it reads back with the bits it has, without the
/// ECC error), an option-byte value whose complement a cut left mismatched (saved as the value), and the backup domain
/// (RTC registers), which a power-up of a board without VBAT loses anyway.
/// </summary>
public static class BoardFlashFile
{
    public static string OtpPath(string path) => path + ".otp";
    public static string OptionBytesPath(string path) => path + ".option-bytes";

    /// <summary>Loads FILE (and FILE.otp, FILE.option-bytes where they exist) into a board not yet powered on, as it
    /// stood when <see cref="Save"/> wrote them. False when FILE does not exist (nothing loaded).</summary>
    /// <exception cref="ArgumentException">FILE is not the flash's size, or a companion file is not what Save writes.</exception>
    public static bool Load(Board board, string path)
    {
        if (!File.Exists(path)) return false;
        var flash = File.ReadAllBytes(path);
        if (flash.Length != Machine.FlashSize)
            throw new ArgumentException($"{path} holds {flash.Length} bytes, not the flash's {Machine.FlashSize} (0x{Machine.FlashBase:X8}-" +
                                        $"0x{Machine.FlashBase + Machine.FlashSize - 1:X8}): it is not a file `emulate --flash` wrote.");
        // Read every companion before anything is loaded: a refused set leaves the board as it was.
        byte[]? otp = null;
        if (File.Exists(OtpPath(path)))
        {
            otp = File.ReadAllBytes(OtpPath(path));
            if (otp.Length != Machine.OtpSize)
                throw new ArgumentException($"{OtpPath(path)} holds {otp.Length} bytes, not the OTP area's {Machine.OtpSize}.");
        }
        var options = File.Exists(OptionBytesPath(path)) ? ParseOptionBytes(OptionBytesPath(path)) : null;

        board.Machine.LoadFlash(Machine.FlashBase, flash);
        if (otp is not null)
            // Double word by double word: the OTP programs each once (RM0351 §3.3.1), and an erased one stays erased.
            for (var offset = 0; offset < otp.Length; offset += 8)
                if (BitConverter.ToUInt64(otp, offset) != ulong.MaxValue)
                    board.ProgramOtp(Machine.OtpBase + (uint)offset, otp.AsSpan(offset, 8));
        // Last: set to RDP level 1 they would refuse nothing here (level 0 to 1 erases nothing), but the order is a programmer's.
        if (options is not null)
            board.OptionBytes = options;
        return true;
    }

    /// <summary>Writes FILE, FILE.otp and FILE.option-bytes from the board as it is now. Each file is written beside
    /// its final name and then moved over it, so an interrupted save leaves the previous one whole.</summary>
    public static void Save(Board board, string path)
    {
        WriteAtomically(path, board.Machine.Flash);
        WriteAtomically(OtpPath(path), board.Otp);
        var lines = board.OptionBytes.Registers.Select(r => $"{r.Name} 0x{r.Value:X8}\n");
        WriteAtomically(OptionBytesPath(path), System.Text.Encoding.ASCII.GetBytes(string.Concat(lines)));
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }

    private static OptionBytes ParseOptionBytes(string path)
    {
        var options = OptionBytes.Factory;
        foreach (var (line, number) in File.ReadAllLines(path).Select((l, i) => (l.Trim(), i + 1)).Where(l => l.Item1.Length > 0))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || !parts[1].StartsWith("0x", StringComparison.OrdinalIgnoreCase) ||
                !uint.TryParse(parts[1].AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
                throw new ArgumentException($"{path} line {number}: '{line}' is not 'FLASH_REGISTER 0xVALUE'.");
            try { options = options.With(parts[0], value); }
            catch (ArgumentException e) { throw new ArgumentException($"{path} line {number}: {e.Message.Split(" (Parameter")[0]}"); }
        }
        return options;
    }
}
