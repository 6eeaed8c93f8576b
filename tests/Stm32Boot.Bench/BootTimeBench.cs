// Boot-to-application time of the real factory image for three application sizes: the application image is
// padded to the size, its header re-stamped (sizes and CRCs through the Stm32Boot library), and the board runs
// from power-on until the CPU reaches the application's reset handler; the image check (image_check() entry to
// return) is timed too. Then, for a 256 KB application, the same time after each kind of reset against its limit:
// 15 ms, and for the NRST pin (the only reset that opens the double-reset window) the window plus 15 ms. Last, what
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
        var settings = BuildSettings.Load(Path.Combine(Path.GetDirectoryName(factoryHex)!, "settings.effective.json"));
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
    private static readonly ulong LimitPs = 15 * Board.Millisecond;

    /// Power-on, then the other resets one after the other, each once the application runs; the time from the reset to
    /// the application's reset handler. The software and watchdog resets are made as the models make them
    /// (SCB_AIRCR.SYSRESETREQ's reason, IWDG expiry's RCC_CSR flag): what counts is the bootloader's answer to the
    /// flags it finds.
    public static IRenderable RunPerResetCause(string factoryHex)
    {
        var settings = BuildSettings.Load(Path.Combine(Path.GetDirectoryName(factoryHex)!, "settings.effective.json"));
        var map = settings.MemoryMap;
        var window = settings.DoubleResetWindowMs * Board.Millisecond;
        var table = new Table().Title($"boot to application by reset cause ({ResetCauseImageSize / 1024} KB application, reset to its reset handler)")
            .AddColumn("reset").AddColumn(new TableColumn("boot ms").RightAligned()).AddColumn(new TableColumn("limit ms").RightAligned())
            .AddColumn("within");
        using var board = new Board();
        board.LoadHex(factoryHex);
        Restamp(board, map, ResetCauseImageSize, BenchSigning.Load(settings));
        var resetHandler = BinaryPrimitives.ReadUInt32LittleEndian(board.Machine.ReadMemory(map.Image.Base + 4, 4)) & ~1u;
        var causes = new (string Name, Action Reset, ulong Limit)[]
        {
            ("power-on, the board's first (records the OTP minimum)", board.PowerOn, LimitPs),
            ("power-on", board.PowerOn, LimitPs),
            ("software (SYSRESETREQ)", () => board.Machine.RequestSystemReset(Machine.SoftwareResetReason), LimitPs),
            ("watchdog (IWDG)", () =>
            {
                board.Peripherals.Rcc.RecordResetCause(RccResetFlags.IWDGRSTF);
                board.Machine.RequestSystemReset("IWDG counter reached 0");
            }, LimitPs),
            ("pin (NRST)", board.PressResetButton, window + LimitPs),
        };
        foreach (var (name, reset, limit) in causes)
        {
            var resets = board.Machine.Resets.Count;
            reset();
            var cpu = board.RunUntilAddress(resetHandler, 5 * Board.Second);
            if (board.Machine.Resets.Count != resets + 1)
                throw new InvalidOperationException($"{name}: expected one reset before the application, saw {board.Machine.Resets.Count - resets}.");
            var boot = cpu.AtPs - board.Machine.Resets[^1].AtPs;
            table.AddRow(name, $"{boot / (double)Board.Millisecond:F2}", $"{limit / (double)Board.Millisecond:F0}",
                boot <= limit ? "[green]yes[/]" : "[red]NO[/]");
            // Let the application run a little before the next reset.
            board.RunFor(20 * Board.Millisecond);
        }
        return table;
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
