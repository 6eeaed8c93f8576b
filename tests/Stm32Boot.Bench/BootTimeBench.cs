// Boot-to-application time of the real factory image for three application sizes: the application image is
// padded to the size, its header re-stamped (sizes and CRCs through the Stm32Boot library), and the board runs
// from power-on until the CPU reaches the application's reset handler; the image check (image_check() entry to
// return) is timed too, and for 256 KB against its limit with its instructions per word. Then, for a 256 KB
// application, the same time after each kind of reset against its limit, for the shipped build (BootBanner full:
// 15 ms, the banner's wire time included) and out/variants/quiet-boot (BootBanner quiet: 5 ms); for the NRST pin (the
// only reset that opens the double-reset window) the window plus that. Last, what
// the signature check at every boot costs: the verify-at-boot variant (VerifySignatureAtBoot) against the shipped
// bootloader, for the shipped application and a 256 KB one. Every re-stamped image is signed again with the
// settings' key, so the check passes and is timed whole.
using System.Buffers.Binary;
using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Rendering;
using Stm32Boot;
using Stm32Boot.VirtualBoard;
using Stm32Boot.VirtualBoard.Peripherals;

namespace Stm32Boot.Bench;

internal static class BootTimeBench
{
    public static IRenderable Run(string factoryHex, string bootloaderElf)
    {
        // The settings the factory image was built with (out/settings.effective.json beside it).
        var settings = BuildSettings.Load(SettingsBeside(factoryHex));
        var map = settings.MemoryMap;
        var signing = BenchSigning.Load(settings);
        if (!ElfImage.Load(bootloaderElf).TryGetSymbol("image_check", out var imageCheck))
            throw new InvalidOperationException($"{bootloaderElf} has no image_check symbol to time.");
        var table = new Table().Title($"boot to application ({Path.GetFileName(factoryHex)}, power-on to the application's reset handler)")
            .AddColumn("application size").AddColumn(new TableColumn("image check µs").RightAligned()).AddColumn(new TableColumn("boot µs").RightAligned())
            .AddColumn(new TableColumn("instructions").RightAligned()).AddColumn(new TableColumn("wall ms").RightAligned());
        foreach (var size in new uint[] { 64 * 1024, 256 * 1024, map.Image.Size })
        {
            using var board = new Board();
            board.LoadHex(factoryHex);
            Restamp(board, map, size, signing);
            var resetHandler = BinaryPrimitives.ReadUInt32LittleEndian(board.Machine.ReadMemory(map.Image.Base + 4, 4)) & ~1u;
            FirstBoot(board, resetHandler);
            var instructions = board.Machine.Instructions;
            board.PowerOn();
            var poweredOn = board.Machine.Resets[^1].AtPs;
            var wall = Stopwatch.StartNew();
            var checkEntry = board.RunUntilAddress(imageCheck & ~1u, 5 * Board.Second);
            var checkReturn = board.RunUntilAddress(checkEntry.Lr & ~1u, 5 * Board.Second);
            var cpu = board.RunUntilAddress(resetHandler, 5 * Board.Second);
            wall.Stop();
            table.AddRow($"{size / 1024} KB", $"{(checkReturn.AtPs - checkEntry.AtPs) / (double)Board.Microsecond:N0}", $"{(cpu.AtPs - poweredOn) / (double)Board.Microsecond:N0}",
                $"{board.Machine.Instructions - instructions:N0}", $"{wall.Elapsed.TotalMilliseconds:F0}");
        }
        table.Caption("A board that has booted once: its first boot also records the image's security counter in OTP (see the first row below).");
        return table;
    }

    /// A board's first boot of a signed image records its security counter as the anti-rollback minimum in OTP: a
    /// double-word program and a console line more than any later boot. The boot-time rows measure the boots after it.
    private static void FirstBoot(Board board, uint resetHandler)
    {
        board.PowerOn();
        board.RunUntilAddress(resetHandler, 5 * Board.Second);
    }

    private const uint ResetCauseImageSize = 256 * 1024;
    /// The limit for power-on, software and watchdog resets (and, after the double-reset window, the NRST pin).
    private static readonly ulong BootLimitPs = 5 * Board.Millisecond;
    /// The shipped build prints its banner at every reset: three lines, about 108 characters at 115200 8N1, 9.4 ms on
    /// the wire alone, so its limit is the 5 ms boot plus the banner, rounded up.
    private static readonly ulong BannerBootLimitPs = 15 * Board.Millisecond;
    /// The console's rate (board.h's BOARD_CONSOLE_BAUD), 8N1: ten bits a character.
    private const double ConsoleCharactersPerSecond = 115200 / 10.0;

    /// For the shipped build (BootBanner full, limit 15 ms) and out/variants/quiet-boot (BootBanner quiet, limit 5 ms):
    /// power-on, then the other resets one after the other, each once the application runs; the time from the reset to
    /// the application's reset handler, and what the bootloader printed meanwhile. The software and watchdog resets are
    /// made as the models make them (SCB_AIRCR.SYSRESETREQ's reason, IWDG expiry's RCC_CSR flag): what counts is the
    /// bootloader's answer to the flags it finds. The board's first power-on records the image's security counter in
    /// OTP and prints that news ("rollback: minimum 1"), which BootBanner quiet prints too: its limit is the boot's plus
    /// that line's time on the wire. The NRST pin's limit is the double-reset window plus the boot's.
    public static IRenderable RunPerResetCause(string outDir)
    {
        var rows = new List<IRenderable> { PerResetCause(Path.Combine(outDir, "factory.hex"), "shipped, BootBanner full", BannerBootLimitPs) };
        var quiet = Path.Combine(outDir, "variants", "quiet-boot", "factory.hex");
        rows.Add(File.Exists(quiet)
            ? PerResetCause(quiet, "out/variants/quiet-boot, BootBanner quiet", BootLimitPs)
            : new Markup($"[yellow]quiet boot: skipped, {Markup.Escape(quiet)} does not exist (./build.sh --target=Variants builds it).[/]\n"));
        return new Rows(rows);
    }

    private static IRenderable PerResetCause(string factoryHex, string build, ulong limitPs)
    {
        var settings = BuildSettings.Load(SettingsBeside(factoryHex));
        var map = settings.MemoryMap;
        var window = settings.DoubleResetWindowMs * Board.Millisecond;
        var quiet = settings.BootBanner == BootBanner.Quiet;
        var table = new Table().Title($"boot to application by reset cause: {build} ({ResetCauseImageSize / 1024} KB application, reset to its reset handler)")
            .AddColumn("reset").AddColumn(new TableColumn("boot ms").RightAligned()).AddColumn(new TableColumn("limit ms").RightAligned())
            .AddColumn(new TableColumn("ratio").RightAligned()).AddColumn("within")
            .AddColumn(new TableColumn("printed chars").RightAligned()).AddColumn(new TableColumn("wire ms").RightAligned());
        using var board = new Board();
        board.LoadHex(factoryHex);
        Restamp(board, map, ResetCauseImageSize, BenchSigning.Load(settings));
        var resetHandler = BinaryPrimitives.ReadUInt32LittleEndian(board.Machine.ReadMemory(map.Image.Base + 4, 4)) & ~1u;
        var causes = new (string Name, Action Reset, bool News, ulong Window)[]
        {
            ("power-on, the board's first (records the OTP minimum)", board.PowerOn, true, 0),
            ("power-on", board.PowerOn, false, 0),
            ("software (SYSRESETREQ)", () => board.Machine.RequestSystemReset(Machine.SoftwareResetReason), false, 0),
            ("watchdog (IWDG)", () =>
            {
                board.Peripherals.Rcc.RecordResetCause(RccResetFlags.IWDGRSTF);
                board.Machine.RequestSystemReset("IWDG counter reached 0");
            }, false, 0),
            ("pin (NRST)", board.PressResetButton, false, window),
        };
        foreach (var (name, reset, news, causeWindow) in causes)
        {
            var resets = board.Machine.Resets.Count;
            var printedBefore = board.Uart.Bytes.Count;
            reset();
            var cpu = board.RunUntilAddress(resetHandler, 5 * Board.Second);
            if (board.Machine.Resets.Count != resets + 1)
                throw new InvalidOperationException($"{build}, {name}: expected one reset before the application, saw {board.Machine.Resets.Count - resets}.");
            var boot = cpu.AtPs - board.Machine.Resets[^1].AtPs;
            var printed = board.Uart.Bytes.Count - printedBefore;
            var wirePs = (ulong)(printed / ConsoleCharactersPerSecond * Board.Second);
            // Quiet: a boot with news may print it; nothing else.
            var limit = causeWindow + limitPs + (quiet && news ? wirePs : 0);
            table.AddRow(name, $"{boot / (double)Board.Millisecond:F2}", $"{limit / (double)Board.Millisecond:F2}",
                $"{boot / (double)limit:F2}", boot <= limit ? "[green]yes[/]" : "[red]NO[/]",
                $"{printed}", $"{wirePs / (double)Board.Millisecond:F2}");
            // Let the application run a little before the next reset.
            board.RunFor(20 * Board.Millisecond);
        }
        table.Caption(quiet
            ? "BootBanner quiet: a boot with nothing to report prints nothing; the first power-on prints its news line, and its limit " +
              "is 5 ms plus that line's wire time (115200 8N1). Only the NRST pin opens the double-reset window (limit: the window + 5 ms)."
            : "BootBanner full: the banner's lines go out at 115200 8N1 before the jump (boot_jump() resets USART1), about 9.4 ms of wire " +
              "time for three lines, so the limit is the issue's 5 ms plus the banner, 15 ms (the NRST pin: the double-reset window + 15 ms). " +
              "Products use BootBanner quiet (the table below).");
        return table;
    }

    private const uint ImageCheckSize = 256 * 1024;
    /// The limit for the image check of a 256 KB image: about RM0351's bound for the CRC unit (4 AHB cycles per
    /// 32-bit word) plus the loop.
    private static readonly ulong ImageCheckLimitPs = 3500 * Board.Microsecond;
    /// RM0351 §14 (CRC main features): a 32-bit word takes the unit 4 AHB clock cycles.
    private const int CrcCyclesPerWord = 4;

    /// image_check() of a 256 KB application at power-on, from its entry to its return: virtual time (the virtual board
    /// counts one cycle per instruction and models no wait states or bus stalls), its instructions per 32-bit word of
    /// the image, and the bound the CRC unit sets on silicon, 4 HCLK cycles per word. The row is judged on the larger of
    /// the two, which is what silicon can reach at best.
    public static IRenderable RunImageCheck(string factoryHex, string bootloaderElf)
    {
        var settings = BuildSettings.Load(SettingsBeside(factoryHex));
        var map = settings.MemoryMap;
        if (!ElfImage.Load(bootloaderElf).TryGetSymbol("image_check", out var imageCheck))
            throw new InvalidOperationException($"{bootloaderElf} has no image_check symbol to time.");
        using var board = new Board();
        board.LoadHex(factoryHex);
        Restamp(board, map, ImageCheckSize, BenchSigning.Load(settings));
        var resetHandler = BinaryPrimitives.ReadUInt32LittleEndian(board.Machine.ReadMemory(map.Image.Base + 4, 4)) & ~1u;
        FirstBoot(board, resetHandler);
        board.PowerOn();
        var entry = board.RunUntilAddress(imageCheck & ~1u, 5 * Board.Second);
        var instructions = board.Machine.Instructions;
        var exit = board.RunUntilAddress(entry.Lr & ~1u, 5 * Board.Second);
        instructions = board.Machine.Instructions - instructions;
        var words = ImageCheckSize / 4;
        var checkPs = exit.AtPs - entry.AtPs;
        var hclk = board.Machine.Clock.SysclkHz;
        var boundPs = (ulong)((double)words * CrcCyclesPerWord / hclk * Board.Second);
        var judged = Math.Max(checkPs, boundPs);
        var table = new Table().Title($"image check ({ImageCheckSize / 1024} KB application, image_check() entry to return, HCLK {hclk / 1_000_000} MHz)")
            .AddColumn(new TableColumn("virtual µs").RightAligned()).AddColumn(new TableColumn("instructions").RightAligned())
            .AddColumn(new TableColumn("instr./word").RightAligned()).AddColumn(new TableColumn("CRC unit bound µs").RightAligned())
            .AddColumn(new TableColumn("limit µs").RightAligned()).AddColumn(new TableColumn("ratio").RightAligned()).AddColumn("within");
        table.AddRow($"{checkPs / (double)Board.Microsecond:N0}", $"{instructions:N0}", $"{instructions / (double)words:F2}",
            $"{boundPs / (double)Board.Microsecond:N0}", $"{ImageCheckLimitPs / (double)Board.Microsecond:N0}",
            $"{judged / (double)ImageCheckLimitPs:F2}", judged <= ImageCheckLimitPs ? "[green]yes[/]" : "[red]NO[/]");
        table.Caption("Virtual time counts one cycle per instruction (no flash wait states, no bus stalls). The CRC unit takes 4 AHB cycles " +
                      "per 32-bit word (RM0351 §14), so silicon needs at least the bound; the ratio and the verdict take the larger of the two.");
        return table;
    }

    private static string SettingsBeside(string factoryHex)
    {
        // out/factory.hex: out/settings.effective.json; out/variants/NAME/factory.hex: its settings.json.
        var dir = Path.GetDirectoryName(factoryHex)!;
        var effective = Path.Combine(dir, "settings.effective.json");
        return File.Exists(effective) ? effective : Path.Combine(dir, "settings.json");
    }

    private const uint SignatureCheckImageSize = 256 * 1024;

    /// Boot time of the bootloader that verifies the signature at every boot (out/variants/verify-at-boot) minus the
    /// shipped one's, both from power-on to the application's reset handler, with the same signed application: the
    /// shipped one as it is, and padded to 256 KB. The ratio is the check's time to the shipped boot's.
    public static IRenderable RunSignatureCheckAtBoot(string outDir)
    {
        var shipped = Path.Combine(outDir, "factory.hex");
        var verifying = Path.Combine(outDir, "variants", "verify-at-boot", "factory.hex");
        if (!File.Exists(verifying))
            return new Markup($"[yellow]signature check at boot: skipped, {Markup.Escape(verifying)} does not exist (./build.sh --target=Variants builds it).[/]\n");
        var settings = BuildSettings.Load(Path.Combine(outDir, "settings.effective.json"));
        var map = settings.MemoryMap;
        var signing = BenchSigning.Load(settings);
        var table = new Table().Title("signature check at boot (out/variants/verify-at-boot) against the shipped boot, power-on to the application's reset handler")
            .AddColumn("application").AddColumn(new TableColumn("boot µs").RightAligned())
            .AddColumn(new TableColumn("with check µs").RightAligned()).AddColumn(new TableColumn("check µs").RightAligned())
            .AddColumn(new TableColumn("check instr.").RightAligned()).AddColumn(new TableColumn("% of boot").RightAligned());
        foreach (var size in new uint?[] { null, SignatureCheckImageSize })
        {
            var plain = Boot(shipped, map, size, signing);
            var check = Boot(verifying, map, size, signing);
            var extraPs = (double)check.AtPs - plain.AtPs;
            table.AddRow(size is null ? $"shipped, {plain.ImageSize:N0} B" : $"{size / 1024} KB",
                $"{plain.AtPs / (double)Board.Microsecond:N0}", $"{check.AtPs / (double)Board.Microsecond:N0}",
                $"{extraPs / Board.Microsecond:N0}", $"{(double)check.Instructions - plain.Instructions:N0}", $"{100 * extraPs / plain.AtPs:F0} %");
        }
        table.Caption("Boot: the shipped bootloader, which verifies an image before it commits it and boots without the check. " +
                      "Check: what VerifySignatureAtBoot adds to every boot, and its share of the shipped boot (no limit).");
        return table;
    }

    /// Power-on to the application's reset handler for factoryHex, its application padded to size (null: as it is), on
    /// a board that has booted once.
    private static (ulong AtPs, ulong Instructions, uint ImageSize) Boot(string factoryHex, MemoryMap map, uint? size, ImageSigning? signing)
    {
        using var board = new Board();
        board.LoadHex(factoryHex);
        if (size is { } padded)
            Restamp(board, map, padded, signing);
        var imageSize = ImageHeader.Parse(board.Machine.ReadMemory(map.Header.Base, ImageHeader.Size)).ImageSize;
        var resetHandler = BinaryPrimitives.ReadUInt32LittleEndian(board.Machine.ReadMemory(map.Image.Base + 4, 4)) & ~1u;
        FirstBoot(board, resetHandler);
        var instructions = board.Machine.Instructions;
        board.PowerOn();
        var poweredOn = board.Machine.Resets[^1].AtPs;
        var cpu = board.RunUntilAddress(resetHandler, 5 * Board.Second);
        return (cpu.AtPs - poweredOn, board.Machine.Instructions - instructions, imageSize);
    }

    /// Pads the application image in flash to size bytes and writes a header that accepts exactly that image, and its
    /// signature block signed again (the signature covers header and image).
    private static void Restamp(Board board, MemoryMap map, uint size, ImageSigning? signing)
    {
        var header = ImageHeader.Parse(board.Machine.ReadMemory(map.Header.Base, ImageHeader.Size));
        if (!header.HasExpectedMagic) throw new InvalidOperationException("factory.hex holds no application header to re-stamp.");
        if (size < header.ImageSize) throw new InvalidOperationException($"the application is {header.ImageSize} bytes, more than the {size} asked for.");
        board.Machine.LoadFlash(map.Image.Base + header.ImageSize, PaddedImage.Padding(size - header.ImageSize));
        var (stamped, block) = BenchSigning.Stamp(header, board.Machine.ReadMemory(map.Image.Base, (int)size), signing);
        board.Machine.LoadFlash(map.Header.Base, stamped.ToBytes());
        if (block.Length > 0)
            board.Machine.LoadFlash(map.Header.Base + SignatureBlock.Offset, block);
    }
}
