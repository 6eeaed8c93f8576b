// Prints the virtual board's figures: emulation speed on a CPU-bound CRC loop, what polling fast-forward saves,
// and (once out/factory.hex exists) the host CPU an idle `stm32boot emulate` uses, image sizes against their budgets
// with and without signatures, boot-to-application time in virtual µs for three application sizes and what the signature check at boot adds, and 256 KB updates over
// the UART and from a USB drive; in SlotMode swap (out/variants/swap), install and revert times against the flash
// operations they cannot do without, and the flash wear of an update against single mode's.
using Spectre.Console;
using Stm32Boot.Bench;

// The Bench is read in a pipe (./build.sh) more than in a terminal: its tables must not wrap at 80 columns.
Stm32Boot.Cli.ConsoleWidth.Apply();
var outDir = Path.GetFullPath(args.Length > 0 ? args[0] : Path.Combine(BenchSigning.RepositoryRoot, "out"));

// STM32BOOT_BENCH=uart (or usb, boot, swap, size, speed, idle) runs that part alone, for a quick look while working on it.
var only = Environment.GetEnvironmentVariable("STM32BOOT_BENCH");
bool Part(string name) => string.IsNullOrEmpty(only) || only == name;
AnsiConsole.Write(new Rule("[bold]virtual board benchmarks[/]").LeftJustified());
if (Part("speed"))
{
    AnsiConsole.Write(SpeedBench.Run());
    AnsiConsole.Write(PollingBench.Run());
}
var factory = Path.Combine(outDir, "factory.hex");
if (File.Exists(factory))
{
    if (Part("idle")) AnsiConsole.Write(IdleBench.Run(outDir));
    if (Part("size")) AnsiConsole.Write(SizeBench.Run(outDir));
    if (Part("boot"))
    {
        AnsiConsole.Write(BootTimeBench.Run(factory, Path.Combine(outDir, "bootloader.elf")));
        AnsiConsole.Write(BootTimeBench.RunImageCheck(factory, Path.Combine(outDir, "bootloader.elf")));
        AnsiConsole.Write(BootTimeBench.RunPerResetCause(outDir));
        AnsiConsole.Write(BootTimeBench.RunSignatureCheckAtBoot(outDir));
    }
    if (Part("uart")) AnsiConsole.Write(UartUpdateBench.Run(outDir));
    if (Part("usb")) AnsiConsole.Write(UsbUpdateBench.Run(outDir));
    if (Part("swap")) AnsiConsole.Write(SwapBench.Run(outDir));
}
else AnsiConsole.MarkupLineInterpolated($"[yellow]boot time: skipped, {factory} does not exist (./build.sh builds it).[/]");
return 0;
