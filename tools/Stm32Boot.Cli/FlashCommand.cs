using System.ComponentModel;
using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Cli;
using Stm32Boot.Uart;

namespace Stm32Boot.Cli;

[Description("Flash an image through the bootloader's UART (AN3155, as stm32flash speaks it): erase the pages it covers, " +
             "write it (the header page first to this bootloader, which holds it in RAM until the image checks out, last to any other), " +
             "optionally verify and start it. Exit codes: 0 flashed; 1 link, device or protocol " +
             "error, or a file the bootloader would refuse; 2 usage; 3 verify found differences.")]
public sealed class FlashCommand : Command<FlashCommand.Settings>
{
    /// <summary>The exit code when --verify reads back something else than was written (the codes every command
    /// shares are in <see cref="ExitCode"/>).</summary>
    public const int VerifyMismatchExitCode = 3;

    // The bootloader prints its "stay:" line only after the double-reset window, and its checks take well under
    // a second; this margin also covers the application's reset.
    private static readonly TimeSpan EnterMargin = TimeSpan.FromSeconds(3);

    public sealed class Settings : SerialTargetOption
    {
        [CommandArgument(0, "<IMAGE>")]
        [Description("The stamped application: HEX, ELF, or a raw binary as FILE.bin@ADDRESS (e.g. out/application.bin@0x08020000).")]
        public required string Image { get; init; }

        [CommandOption("-b|--baud <BAUD>")]
        [Description("Baud rate of the protocol, 9600..921600 (the bootloader detects it). Default: FlashBaud in the settings.")]
        public int? Baud { get; init; }

        [CommandOption("--parity <PARITY>")]
        [Description("even (AN3155 on a real line) or none (for a pty, which cannot carry parity).")]
        [DefaultValue(UartParity.Even)]
        public UartParity Parity { get; init; } = UartParity.Even;

        [CommandOption("--verify")]
        [Description("Read every block back and compare; exit code 3 if any differs. Under read protection (RDP level 1) the " +
                     "bootloader reads nothing back: the verification is then its own CRC check, which Go runs before it commits " +
                     "the update, so --verify needs --go there; exit code 3 if the device refuses the image.")]
        public bool Verify { get; init; }

        [CommandOption("--go")]
        [Description("Start the application when done (not after a failed verify).")]
        public bool Go { get; init; }

        [CommandOption("--enter <COMMAND>")]
        [Description("First send this command to the running application's console (115200 8N1), e.g. \"update\\r\", and wait for the " +
                     "bootloader to report update mode: no need to touch the board.")]
        public string? Enter { get; init; }

        [CommandOption("--retries <N>")]
        [Description("How often a command is repeated, after resynchronising, when its reply is lost or garbled (0..10).")]
        [DefaultValue(3)]
        public int Retries { get; init; } = 3;

        public override ValidationResult Validate()
        {
            if (base.Validate() is { Successful: false } port)
                return port;
            if (Baud is { } baud && !UartFraming.IsSupportedBaud(baud))
                return ValidationResult.Error($"--baud {baud} must be from {UartFraming.MinBaud} to {UartFraming.MaxBaud}.");
            if (Retries is < 0 or > 10)
                return ValidationResult.Error($"--retries {Retries} must be from 0 to 10.");
            if (Enter is not null)
            {
                try
                {
                    BootloaderEntry.ParseCommand(Enter);
                }
                catch (Stm32BootException e)
                {
                    return ValidationResult.Error(e.Message);
                }
            }

            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var build = settings.LoadSettings();
        var file = FirmwareFile.Load(settings.Image);
        var plan = FlashPlan.Create(file.Image, build.MemoryMap, file.Path);
        settings.RequireBootable(file, build);
        var address = settings.Address(build);
        var framing = new UartFraming(settings.Baud ?? build.FlashBaud, settings.Parity);

        using var link = SerialLink.Open(address, framing);
        if (settings.Enter is not null)
        {
            // A board in update mode already has no console to type into: noticed, and the flash goes on.
            if (BootloaderEntry.AnswersSync(link.Stream))
                AnsiConsole.MarkupLine("[grey]console:[/] the bootloader answers already (the board is in update mode): --enter not needed");
            else
            {
                link.SetFraming(UartFraming.Console);
                // The line end clears whatever the sync byte left on the console's line at another baud rate.
                byte[] command = [(byte)'\r', .. BootloaderEntry.ParseCommand(settings.Enter)];
                var window = TimeSpan.FromMilliseconds(build.DoubleResetWindowMs);
                BootloaderEntry.Enter(link.Stream, command, window + EnterMargin,
                    line => AnsiConsole.MarkupLineInterpolated($"[grey]console:[/] {line}"));
                link.SetFraming(framing);
            }
        }

        AnsiConsole.MarkupLineInterpolated(
            $"flashing [bold]{file.Path}[/]: {plan.WriteBytes} bytes in {plan.Blocks.Count} blocks, {plan.ErasePages.Count} pages, through {link}");
        var client = new An3155Client(link.Stream)
        {
            Retries = settings.Retries,
            Retrying = e => AnsiConsole.MarkupLineInterpolated($"[yellow]retrying after:[/] {e.Message}"),
        };
        var options = new FlashOptions((ushort)(build.BoardId >> 16), settings.Verify, settings.Go);
        FlashReport report;
        try
        {
            report = FlashWithProgress(client, plan, options, cancellationToken);
        }
        catch (An3155Exception e) when (e.Command is null)
        {
            throw new Stm32BootException($"{link}: {e.Message} To enter update mode, hold B1 (USER) while resetting the board, " +
                                         "or pass --enter \"update\\r\" while the application runs.");
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("stm32boot: interrupted: the board stays in update mode with an incomplete image; flash again.");
            return ExitCode.UserError;
        }

        WriteSummary(report, link.Framing);
        if (report.Mismatches.Count > 0)
        {
            Console.Error.WriteLine($"stm32boot: verify failed: {report.Mismatches.Count} of {plan.Blocks.Count} blocks read back differently, " +
                                    $"the first at {report.Mismatches[0]}{(settings.Go ? "; the application was not started" : "")}. " +
                                    "Flash again; if the same bytes fail, the flash is worn.");
            return VerifyMismatchExitCode;
        }

        if (report.RefusedByDevice)
        {
            Console.Error.WriteLine("stm32boot: verify failed: read protection is on, so the device checked the image against the header's CRC " +
                                    "itself, and refused it (Go was NACKed): nothing was started, the board stays in update mode. Flash again.");
            return VerifyMismatchExitCode;
        }

        return ExitCode.Ok;
    }

    private static FlashReport FlashWithProgress(An3155Client client, FlashPlan plan, FlashOptions options, CancellationToken cancellationToken) =>
        !AnsiConsole.Profile.Capabilities.Interactive
            // A build log or a pipe shows no live bars: print a line per tenth of each phase instead.
            ? UartFlasher.Flash(client, plan, options, new ProgressCallback(new ProgressLines().Report), cancellationToken)
            : AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var tasks = new Dictionary<FlashPhase, ProgressTask>
                {
                    [FlashPhase.Erase] = context.AddTask($"erase {plan.ErasePages.Count} pages", autoStart: false, maxValue: plan.EraseBytes),
                    [FlashPhase.Write] = context.AddTask($"write {plan.WriteBytes} bytes", autoStart: false, maxValue: plan.WriteBytes),
                };
                if (options.Verify)
                    tasks[FlashPhase.Verify] = context.AddTask($"verify {plan.WriteBytes} bytes", autoStart: false, maxValue: plan.WriteBytes);
                var progress = new ProgressCallback(step =>
                {
                    var task = tasks[step.Phase];
                    if (!task.IsStarted)
                        task.StartTask();
                    task.Value = step.Done;
                    if (step.Done == step.Total)
                        task.StopTask();
                });
                return UartFlasher.Flash(client, plan, options, progress, cancellationToken);
            });

    private static void WriteSummary(FlashReport report, UartFraming? framing)
    {
        string OfWire(double bytesPerSecond) => FlashReport.PercentOfWireRate(bytesPerSecond, framing) is { } percent
            ? $"{percent:0} % of the wire rate ({framing} carries {framing!.Value.BytesPerSecond:N0} bytes/s)"
            : "no wire rate over TCP";
        var bootloader = report.Bootloader;
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("bootloader", Markup.Escape($"AN3155 {bootloader.VersionText}, product id 0x{bootloader.ProductId:X3}, " +
                                                $"commands {string.Join(" ", bootloader.Commands.Select(c => c.ToString("X2")))}"));
        grid.AddRow("erased", $"{report.ErasedPages} pages in {report.EraseTime.TotalSeconds:0.00} s");
        grid.AddRow("order", report.HeaderFirst
            ? "header page first: this bootloader stages it and commits it once the image checks out"
            : "header page last: the bootloader is not this repository's, which would stage it");
        grid.AddRow("wrote", Markup.Escape($"{report.WrittenBytes:N0} bytes in {report.WriteTime.TotalSeconds:0.00} s: " +
                                           $"{report.WriteBytesPerSecond:N0} bytes/s, {OfWire(report.WriteBytesPerSecond)}"));
        if (report.VerifiedByDevice)
            grid.AddRow("verified", report.RefusedByDevice
                ? "[red]by the device's CRC check (read protection: Read Memory refused): the image was refused[/]"
                : $"[green]by the device's CRC check[/] of {report.VerifiedBytes:N0} bytes before Go committed the update (read protection: Read Memory refused)");
        else if (report.VerifiedBytes > 0)
            grid.AddRow("verified", $"{report.VerifiedBytes:N0} bytes in {report.VerifyTime.TotalSeconds:0.00} s: " +
                                    (report.Mismatches.Count == 0 ? "[green]all equal[/]" : $"[red]{report.Mismatches.Count} blocks differ[/]"));
        if (report.StartedAt is { } start)
            grid.AddRow("started", $"the application at {HexNumber.Format(start)}");
        grid.AddRow("total", Markup.Escape($"{report.TotalTime.TotalSeconds:0.00} s: {report.EffectiveBytesPerSecond:N0} bytes/s effective, " +
                                           $"{OfWire(report.EffectiveBytesPerSecond)}"));
        AnsiConsole.Write(grid);
    }

    /// <summary>Progress as plain lines: phase, percentage, bytes/s and the time left, every 10 %.</summary>
    private sealed class ProgressLines
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private FlashPhase? phase;
        private long printedTenths;

        // A phase's first report comes after its first step: the phase began with the previous phase's last report.
        private TimeSpan phaseStart;
        private TimeSpan lastReport;

        public void Report(FlashProgress step)
        {
            if (step.Phase != phase)
                (phase, phaseStart, printedTenths) = (step.Phase, lastReport, 0);
            lastReport = clock.Elapsed;
            var tenths = step.Total == 0 ? 10 : step.Done * 10 / step.Total;
            if (tenths == printedTenths)
                return;
            printedTenths = tenths;
            var seconds = (lastReport - phaseStart).TotalSeconds;
            var rate = seconds > 0 ? step.Done / seconds : 0;
            var left = rate > 0 ? $", {(step.Total - step.Done) / rate:0} s left" : "";
            AnsiConsole.WriteLine($"{step.Phase.ToString().ToLowerInvariant(),-6} {tenths * 10,3} %: {step.Done:N0} of {step.Total:N0} bytes, {rate:N0} bytes/s{left}");
        }
    }

    /// <summary>Reports on the flashing thread: System.Progress would post to the thread pool, out of order.</summary>
    private sealed class ProgressCallback(Action<FlashProgress> report) : IProgress<FlashProgress>
    {
        public void Report(FlashProgress value) => report(value);
    }
}
