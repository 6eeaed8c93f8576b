using System.ComponentModel;
using System.Globalization;
using System.Net.Sockets;
using Spectre.Console;
using Spectre.Console.Cli;
using Stm32Boot.VirtualBoard;
using Stm32Boot.VirtualBoard.Gdb;
using Stm32Boot.VirtualBoard.Hosting;

namespace Stm32Boot.Cli;

[Description("Run a firmware file (e.g. out/factory.hex) on the virtual B-L475E-IOT01A, with USART1 on the terminal, a pty or a TCP port; with --flash, the board's flash lives in a file from one run to the next. While it runs, keys press B1 or reset, cut the power, unplug the USB drive (Ctrl-T h lists them) and LED changes show on stderr.")]
public sealed class EmulateCommand : Command<EmulateCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "[FILE]")]
        [Description("The firmware to program into the board's flash (bootloader and/or application): an ELF, an Intel HEX file, or a raw binary as FILE.bin@ADDRESS. " +
                     "May be left out when --flash names a file an earlier run saved; given as well, it is programmed over that flash, as a programmer would.")]
        public string? File { get; init; }

        [CommandOption("--flash <FLASH.bin>")]
        [Description("Keep the board's flash in this file: loaded before power-on if it exists (the 1 MB main array; its OTP area and option " +
                     "bytes from FLASH.bin.otp and FLASH.bin.option-bytes beside it), saved back when the run ends (Ctrl-C, --max-time, a fault), " +
                     "so the next `emulate --flash FLASH.bin` continues where this one stopped. FLASH.bin is a whole-flash dump `info` reads.")]
        public string? Flash { get; init; }

        [CommandOption("--uart <LINK>")]
        [Description("Where USART1 goes: stdio (default), pty (prints the /dev/pts path to open, e.g. with stm32flash -m 8n1) or tcp:PORT.")]
        [DefaultValue("stdio")]
        public string Uart { get; init; } = "stdio";

        [CommandOption("--button-held")]
        [Description("Hold the user button B1 (PC13) down from power-on on (the bootloader then stays in update mode).")]
        public bool ButtonHeld { get; init; }

        [CommandOption("--usb-drive <IMAGE>")]
        [Description("Plug an emulated USB thumb drive reading this disk image (e.g. made with mkfs.vfat -C and mcopy) into CN9, the USB OTG_FS port.")]
        public string? UsbDrive { get; init; }

        [CommandOption("--trace")]
        [Description("Print resets, exception entries/returns, sleep and skipped polling loops on stderr, in virtual time.")]
        public bool Trace { get; init; }

        [CommandOption("--option-bytes <SPEC>")]
        [Description("Option bytes the board starts with, as changes to ST's factory values, e.g. rdp=0xBB,iwdg_sw=0,wrp1a=0-63 " +
                     "or optr=0xFFEFF8AA,wrp1ar=0xFF3FFF00 (" + OptionBytesSpec.Syntax + "). Set after the HEX file is " +
                     "programmed, as a programmer would.")]
        public string? OptionBytes { get; init; }

        [CommandOption("--print-option-bytes")]
        [Description("At the end, print the option bytes (FLASH_OPTR, WRP, PCROP registers) the board's option-byte flash " +
                     "holds, and those in force if they differ (the firmware may have programmed new ones).")]
        public bool PrintOptionBytes { get; init; }

        [CommandOption("--gdb <PORT>")]
        [Description("Serve GDB's remote protocol on 127.0.0.1:PORT: the board waits halted at reset until a debugger connects " +
                     "(gdb-multiarch out/bootloader.elf -ex \"target remote :PORT\"); registers, memory, breakpoints, step, continue, " +
                     "Ctrl-C. Virtual time stands still while the board is halted. Detaching lets the board run on; kill ends the run.")]
        public int? Gdb { get; init; }

        [CommandOption("--max-time <SECONDS>")]
        [Description("Stop after this much virtual time (default: run until Ctrl-C).")]
        public double? MaxTime { get; init; }

        public override ValidationResult Validate()
        {
            if (Gdb is not null and not (> 0 and <= 65535)) return ValidationResult.Error($"--gdb {Gdb}: the port must be in 1..65535.");
            if (MaxTime is <= 0) return ValidationResult.Error($"--max-time {MaxTime} must be a positive number of seconds.");
            if (File is null && Flash is null) return ValidationResult.Error("Give the FILE to run, or --flash FLASH.bin of an earlier run (or both).");
            if (OptionBytes is { } spec)
            {
                try { OptionBytesSpec.Parse(spec); }
                catch (Stm32BootException e) { return ValidationResult.Error(e.Message); }
            }
            if (Uart is not ("stdio" or "pty") && !(Uart.StartsWith("tcp:", StringComparison.Ordinal) &&
                int.TryParse(Uart.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535))
                return ValidationResult.Error($"--uart {Uart}: use stdio, pty or tcp:PORT with PORT in 1..65535.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.File is { } file && !System.IO.File.Exists(file) && !System.IO.File.Exists(file.Split('@')[0]))
            throw new MissingFileException($"{file}: no such file. Build it first (./build.sh makes out/factory.hex).");
        if (settings.File is null && !System.IO.File.Exists(settings.Flash))
            throw new MissingFileException($"--flash {settings.Flash}: no such file yet. Give a FILE to start from (e.g. out/factory.hex); " +
                                           "the run then saves the flash there.");
        using var board = new Board();
        if (settings.Trace) board.Machine.Trace = line => Console.Error.WriteLine(line);
        var loaded = new List<string>();
        if (settings.Flash is { } flashFile)
        {
            try { if (BoardFlashFile.Load(board, flashFile)) loaded.Add($"flash from {flashFile}"); }
            catch (ArgumentException e) { throw new Stm32BootException($"--flash: {e.Message}"); }
        }
        // A file with bytes the flash cannot hold is wrong input, not a bug: one line, exit 1 (ErrorReporter).
        if (settings.File is { } firmware)
        {
            try { board.LoadFirmware(firmware); }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException) { throw new Stm32BootException(e.Message); }
            loaded.Add(firmware);
        }
        if (settings.OptionBytes is { } spec)
        {
            try { board.OptionBytes = OptionBytesSpec.Parse(spec); }
            catch (ArgumentException e) { throw new Stm32BootException($"--option-bytes: {e.Message.Split(" (Parameter")[0]}"); }
        }
        if (settings.ButtonHeld) board.PressButton();
        if (settings.UsbDrive is { } image)
        {
            try { board.AttachUsbDrive(image); }
            catch (ArgumentException e) { throw new Stm32BootException($"--usb-drive: {e.Message}"); }
        }
        // Status and board events go to stderr as plain lines: with --uart stdio, stdout carries only what USART1 sent.
        // An event line first lets out what the board sent before it, so the two keep their order on a terminal, and
        // starts on a line of its own after a prompt (the line break goes to stderr: stdout stays USART1's alone).
        StdioLink? stdio = null;
        var print = new Lock();
        var controls = new BoardControls(board, settings.ButtonHeld, settings.UsbDrive, line =>
        {
            lock (print)
            {
                if (stdio is not null)
                {
                    stdio.Flush();
                    if (stdio.MidLine) Console.Error.WriteLine();
                    stdio.MidLine = false;
                }
                Console.Error.WriteLine(line);
            }
        });
        using var link = settings.Uart == "stdio" ? stdio = new StdioLink(controls.Post) : OpenLink(settings.Uart);
        // With USART1 elsewhere, the terminal's lines are board commands (same letters, no escape).
        if (stdio is null) controls.ReadCommandLines(Console.In);
        var button = settings.ButtonHeld ? ", B1 held" : "";
        var drive = settings.UsbDrive is { } path ? $", USB drive {path} in CN9" : "";
        var options = settings.OptionBytes is { } given ? $", option bytes {given}" : "";
        var keys = stdio is not null ? "Ctrl-T h lists the board's keys (B1, reset, power, USB drive, LEDs)"
                                     : "type h and Enter here for the board's keys (B1, reset, power, USB drive, LEDs)";
        Console.Error.WriteLine($"virtual B-L475E-IOT01A: {string.Join(", then ", loaded)} loaded, USART1 on {link.Description}{button}{drive}{options}; {keys}; Ctrl-C stops.");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, controls.QuitRequested);
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        board.PowerOn();
        var session = new InteractiveSession(board, link, controls);
        if (settings.Gdb is not null) controls.PowerKeyRefusal = "not under --gdb (a debugger needs the core powered)";
        using var gdb = settings.Gdb is { } gdbPort ? OpenGdb(board, session, gdbPort) : null;
        try
        {
            var maxPs = settings.MaxTime is { } s ? (ulong?)(s * Board.Second) : null;
            if (gdb is not null) gdb.Run(maxPs, stop.Token);
            else session.Run(maxPs, stop.Token);
        }
        catch (BoardFaultException fault)
        {
            Console.Error.WriteLine($"stm32boot: the firmware stopped the virtual board: {fault.Message}");
            if (settings.PrintOptionBytes) PrintOptionBytes(board);
            return ExitCode.UserError;
        }
        finally
        {
            // Whatever ended the run: the flash as the firmware left it is what the next run starts from.
            if (settings.Flash is { } saveTo)
            {
                BoardFlashFile.Save(board, saveTo);
                Console.Error.WriteLine($"flash saved to {saveTo} (and {BoardFlashFile.OtpPath(saveTo)}, {BoardFlashFile.OptionBytesPath(saveTo)}).");
            }
        }
        Console.Error.WriteLine($"stopped at {board.NowPs / (double)Board.Second:F6} s of virtual time, {board.Machine.Instructions} instructions.");
        if (settings.PrintOptionBytes) PrintOptionBytes(board);
        return ExitCode.Ok;
    }

    private static GdbServer OpenGdb(Board board, InteractiveSession session, int port)
    {
        GdbServer server;
        try { server = new GdbServer(board, session, port); }
        catch (SocketException e)
        {
            throw new Stm32BootException($"--gdb {port}: cannot listen on 127.0.0.1:{port}: {e.Message}; choose another port.");
        }
        server.Log = line => Console.Error.WriteLine(line);
        Console.Error.WriteLine($"gdb: halted at reset, waiting for a debugger on 127.0.0.1:{port} (gdb-multiarch out/bootloader.elf -ex \"target remote :{port}\").");
        return server;
    }

    private static IUartHostLink OpenLink(string uart)
    {
        if (uart == "stdio") return new StdioLink();
        if (uart == "pty") return new PtyLink();
        var port = int.Parse(uart.AsSpan(4), CultureInfo.InvariantCulture);
        try { return new TcpLink(port); }
        catch (SocketException e)
        {
            // Most often another emulate (or any server) already listens there: the environment, not stm32boot, is wrong.
            throw new Stm32BootException($"--uart {uart}: cannot listen on 127.0.0.1:{port}: {e.Message}; choose another port.");
        }
    }

    /// On stderr: with --uart stdio, stdout carries only USART1.
    private static void PrintOptionBytes(Board board)
    {
        var flash = board.Peripherals.Flash;
        var torn = flash.StoredOptionsConsistent ? "" : " (some values do not match their complements: OPTVERR at the next loading)";
        Console.Error.WriteLine($"option bytes stored{torn}:");
        Console.Error.WriteLine(board.OptionBytes);
        if (flash.LoadedOptions == board.OptionBytes && !flash.OptionLoadError) return;
        Console.Error.WriteLine($"option bytes in force (loaded at the last power-on or OBL_LAUNCH{(flash.OptionLoadError ? ", with OPTVERR" : "")}):");
        Console.Error.WriteLine(flash.LoadedOptions);
    }
}
