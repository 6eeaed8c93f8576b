using System.ComponentModel;
using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Cli;
using Stm32Boot.Uart;

namespace Stm32Boot.Cli;

[Description("Update a running application that has a second slot (SlotMode swap) over its console: send the slot image " +
             "(header page to the end of the image) with XMODEM-1K to its `receive` command, which writes it into the secondary " +
             "slot, verifies it with the bootloader's policy and installs it at its next reset. Exit codes: 0 the application " +
             "is installing the image; 1 link or protocol error, an image that does not fit the slot, or the application's " +
             "refusal (its reason is printed); 2 usage.")]
public sealed class SendCommand : Command<SendCommand.Settings>
{
    public sealed class Settings : SerialTargetOption
    {
        [CommandArgument(0, "<FILE>")]
        [Description("The stamped application built for the swap memory map: HEX, ELF, or FILE.bin@ADDRESS.")]
        public required string File { get; init; }

        [CommandOption("-b|--baud <BAUD>")]
        [Description("Baud rate of the application's console (8N1).")]
        [DefaultValue(115200)]
        public int Baud { get; init; } = UartFraming.Console.Baud;

        [CommandOption("--start")]
        [Description("Type `receive` on the console first, so one command does it all; otherwise it must be running already.")]
        public bool Start { get; init; }

        public override ValidationResult Validate()
        {
            if (base.Validate() is { Successful: false } port)
                return port;
            if (!UartFraming.IsSupportedBaud(Baud))
                return ValidationResult.Error($"--baud {Baud} must be from {UartFraming.MinBaud} to {UartFraming.MaxBaud}.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var build = settings.LoadSettings();
        var file = FirmwareFile.Load(settings.File);
        var image = SlotImage.Create(file.Image, build.MemoryMap, file.Path);
        settings.RequireBootable(file, build);
        var address = settings.Address(build);
        using var link = SerialLink.Open(address, new UartFraming(settings.Baud, UartParity.None));

        AnsiConsole.MarkupLineInterpolated(
            $"sending [bold]{file.Path}[/]: slot image of {image.DataLength:N0} bytes in {image.Bytes.Length / Xmodem.BlockSize} XMODEM-1K blocks, through {link}");
        var sender = new SlotSender(link.Stream)
        {
            OnLine = line => AnsiConsole.MarkupLineInterpolated($"[grey]console:[/] {line}"),
        };
        SlotSendResult result;
        try
        {
            result = sender.Send(image, settings.Start, new ProgressLines(image.Bytes.Length), cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("stm32boot: interrupted: the transfer was cancelled (CAN sent); the application installs nothing.");
            return ExitCode.UserError;
        }

        var transfer = result.Transfer;
        var rate = transfer.Elapsed.TotalSeconds > 0 ? transfer.Bytes / transfer.Elapsed.TotalSeconds : 0;
        var wire = link.Framing is { } framing ? $", {100 * rate / framing.BytesPerSecond:0} % of {framing}'s wire rate" : "";
        AnsiConsole.WriteLine($"sent {transfer.Bytes:N0} bytes in {transfer.Elapsed.TotalSeconds:0.00} s: {rate:N0} bytes/s{wire}, " +
                              $"{transfer.Resent} blocks sent again");
        AnsiConsole.MarkupLineInterpolated($"[green]{result.Answer}[/]");
        return ExitCode.Ok;
    }

    /// <summary>A line per tenth of the transfer, with the rate and the time left.</summary>
    private sealed class ProgressLines(long total) : IProgress<long>
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private long printedTenths;

        public void Report(long done)
        {
            var tenths = total == 0 ? 10 : done * 10 / total;
            if (tenths == printedTenths)
                return;
            printedTenths = tenths;
            var seconds = clock.Elapsed.TotalSeconds;
            var rate = seconds > 0 ? done / seconds : 0;
            var left = rate > 0 ? $", {(total - done) / rate:0} s left" : "";
            AnsiConsole.WriteLine($"send {tenths * 10,3} %: {done:N0} of {total:N0} bytes, {rate:N0} bytes/s{left}");
        }
    }
}
