using CliWrap.Buffered;
using Stm32Boot.Uart;
using Stm32Boot.VirtualBoard;
using Stm32Boot.VirtualBoard.Peripherals;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// The setting Protection on the virtual board's option bytes (RM0351 §3.4-§3.5). The build makes a variant with
/// Protection "wrp+rdp1" (out/variants/protected/factory.hex, the shipped application with a bootloader built so);
/// the shipped image has Protection "none" and leaves the option bytes alone, except BFB2, which every bootloader
/// clears.
/// </summary>
public class ProtectionTests
{
    private const int Baud = 115200;
    private const string Setting = "protection: setting WRP pages 0-63, RDP level 1";
    private const string InForce = "protection: WRP pages 0-63, RDP level 1 in force";
    private static readonly string BootsOld = $"boot: application {UpdateImages.Old} -> 0x{Shipped.Map.Image.Base:X8}";

    private static MemoryImage Protected() => IntelHexReader.ReadFile(Shipped.File("variants/protected/factory.hex")).Image;

    /// <summary>Every OPTSTRT the firmware starts on this board from now on.</summary>
    private static List<FlashOperation> OptionProgrammings(Board board)
    {
        var started = new List<FlashOperation>();
        board.Peripherals.Flash.OperationStarted += operation =>
        {
            if (operation.Kind == FlashOperationKind.OptionBytesProgram) started.Add(operation);
        };
        return started;
    }

    /// <summary>The first boot of a protected image includes the option byte reload and the double-reset window.</summary>
    /// <summary>Runs until the application waits at its prompt, after its start-up lines (the confirmation among them).</summary>
    private static void RunToApplication(Board board)
    {
        board.RunUntilLine($"^L475 application {UpdateImages.Old}$", 3 * Board.Second);
        board.RunFor(100 * Board.Millisecond, () => board.Uart.Pending == "> ");
    }

    private static void AssertProtected(Board board)
    {
        var options = board.OptionBytes;
        Assert.Equal(1, options.RdpLevel);
        Assert.Equal((0u, Shipped.Map.Bootloader.Size / Shipped.Map.PageSize - 1), Assert.Single(options.WrpAreas(1)));
        Assert.Empty(options.WrpAreas(2));
        Assert.False(options.Bfb2);
        Assert.True(board.Peripherals.Flash.StoredOptionsConsistent);
    }

    [Fact]
    public void The_shipped_image_leaves_factory_option_bytes_untouched()
    {
        using var board = VirtualBoards.With(Shipped.Factory());
        var programmings = OptionProgrammings(board);

        Assert.Equal(BootsOld, board.PowerOnAndReadVerdict());
        board.RunUntilLine($"^L475 application {UpdateImages.Old}$", 100 * Board.Millisecond);
        board.PressResetButton();
        Assert.Equal(BootsOld, board.NextVerdict());

        Assert.Empty(programmings);
        Assert.Equal(OptionBytes.Factory, board.OptionBytes);
        Assert.DoesNotContain(board.Uart.Lines, line => line.Text.StartsWith("protection:"));
    }

    [Fact]
    public void The_first_boot_programs_WRP_and_RDP_1_once_and_later_boots_only_verify_them()
    {
        using var board = VirtualBoards.With(Protected());
        var programmings = OptionProgrammings(board);

        Assert.Equal(BootsOld, board.PowerOnAndReadVerdict());
        RunToApplication(board);
        var lines = board.Uart.Lines.Select(l => l.Text).ToList();
        Assert.Equal([Setting, InForce], lines.Where(l => l.StartsWith("protection:")));
        Assert.True(lines.IndexOf(Setting) < lines.IndexOf(InForce));
        Assert.Single(board.Machine.Resets, r => r.Reason.Contains("OBL_LAUNCH"));
        AssertProtected(board);

        // Power cycles and a reset: verified each time, never programmed again.
        board.PowerOn();
        Assert.Equal(BootsOld, board.NextVerdict());
        board.PressResetButton();
        Assert.Equal(BootsOld, board.NextVerdict());
        board.PowerOn();
        Assert.Equal(BootsOld, board.NextVerdict());
        Assert.Single(programmings);
        // Not anchored: after the application ran, the bootloader's first line follows its "> " prompt.
        var inForce = board.Uart.Lines.Count(l => l.Text.EndsWith(InForce, StringComparison.Ordinal));
        Assert.True(inForce == 4, $"'{InForce}' {inForce} times instead of once per boot (4). USART1:\n{board.Uart}");
        AssertProtected(board);
    }

    [Fact]
    public void The_application_cannot_erase_a_bootloader_page()
    {
        using var board = VirtualBoards.With(Protected());
        board.PowerOnAndReadVerdict();
        RunToApplication(board);

        var bootloader = board.Machine.ReadMemory(Shipped.Map.Bootloader.Base, (int)Shipped.Map.Bootloader.Size);

        Assert.Equal(["erase-page 3 failed: WRPERR"], board.Console("erase-page 3"));
        Assert.Equal(["erase-page 63 failed: WRPERR"], board.Console("erase-page 63"));
        Assert.Equal(bootloader, board.Machine.ReadMemory(Shipped.Map.Bootloader.Base, (int)Shipped.Map.Bootloader.Size));
        board.PressResetButton();
        Assert.Equal(BootsOld, board.NextVerdict());
    }

    [Fact]
    public void Without_protection_the_same_command_erases_the_bootloader()
    {
        using var board = VirtualBoards.With(Shipped.Factory());
        board.PowerOnAndReadVerdict();
        RunToApplication(board);
        var page3 = Shipped.Map.Bootloader.Base + 3 * Shipped.Map.PageSize;
        Assert.Contains(board.Machine.ReadMemory(page3, (int)Shipped.Map.PageSize), b => b != 0xFF);

        Assert.Equal(["erase-page 3: erased"], board.Console("erase-page 3"));
        Assert.DoesNotContain(board.Machine.ReadMemory(page3, (int)Shipped.Map.PageSize), b => b != 0xFF);
    }

    [Fact]
    public void A_debugger_cannot_read_the_protected_flash()
    {
        using var board = VirtualBoards.With(Protected());
        board.PowerOnAndReadVerdict();

        Assert.Throws<InvalidOperationException>(() => board.ReadThroughDebugPort(Shipped.Map.Image.Base, 16));
    }

    /// <summary>B1 held through the first boot's option byte reload: the second boot stays in update mode.</summary>
    private static UpdateSession ProtectedInUpdateMode()
    {
        var board = VirtualBoards.With(Protected());
        board.PressButton();
        Assert.Equal(UpdateSession.ButtonHeld, board.PowerOnAndReadVerdict());
        board.ReleaseButton();
        return UpdateSession.Attach(board, Baud);
    }

    [Fact]
    public void Under_RDP_1_Read_Memory_is_NACKed_and_stm32boot_flash_verifies_by_the_device_CRC_check()
    {
        using var session = ProtectedInUpdateMode();
        var client = session.Client();
        client.Connect();
        var error = Assert.Throws<An3155Exception>(() => client.ReadMemory(Shipped.Map.Header.Base, 16));
        Assert.Equal(An3155Failure.ReadProtected, error.Failure);

        var from = session.Board.Uart.Lines.Count;
        var report = session.Flash(UpdateImages.Application(UpdateImages.New));

        Assert.True(report.VerifiedByDevice);
        Assert.False(report.RefusedByDevice);
        Assert.Equal(Shipped.Map.Image.Base, report.StartedAt);
        Assert.Equal($"boot: application {UpdateImages.New} -> 0x{Shipped.Map.Image.Base:X8}",
                     session.Board.RunUntilLine("^boot: ", 3 * Board.Second, from).Text);
        Assert.Contains(session.Board.Uart.Lines.Skip(from), l => l.Text.EndsWith(InForce));
    }

    /// <summary>What Debian's stm32flash does against the protected bootloader (quoted in the README): the probe and a
    /// write without -v work; -v stops at the first read-back with stm32flash's own NACK message.</summary>
    [Fact]
    public async Task Stm32flash_writes_without_verify_and_stops_at_the_read_back_of_v()
    {
        using var scratch = new Scratch();
        var application = Shipped.Application(UpdateImages.New);
        var hex = scratch.File("application.hex");
        IntelHexWriter.WriteFile(hex, new IntelHexFile(application.Image, application.StartAddress));
        using var board = PtyBoard.InUpdateMode(Protected(), Baud);
        // The first boot already protected the board (PtyBoard.InUpdateMode ran it up to the verdict).
        AssertProtected(board.Board);

        var verify = await board.Stm32flash("-w", hex, "-v");
        var write = await board.Stm32flash("-w", hex, "-g", $"0x{Shipped.Map.Image.Base:X8}");

        Assert.True(verify.ExitCode == 1, $"stm32flash exited {verify.ExitCode}:\n[{verify.StandardOutput}]\n[{verify.StandardError}]");
        Assert.EndsWith("Write to memory\nErasing memory\n\n", verify.StandardOutput);
        Assert.Equal("Got NACK from device on command 0x11\nFailed to read memory at address 0x08020000\n", verify.StandardError);
        Assert.True(write.ExitCode == 0, $"stm32flash exited {write.ExitCode}:\n{write.StandardOutput}{write.StandardError}");
        board.Board.RunUntilLine($"^L475 application {UpdateImages.New}$", 3 * Board.Second);
    }

    [Fact]
    public async Task Stm32boot_flash_verify_go_says_it_verified_by_the_device_CRC_check()
    {
        using var scratch = new Scratch();
        var application = Shipped.Application(UpdateImages.New);
        var hex = scratch.File("application.hex");
        IntelHexWriter.WriteFile(hex, new IntelHexFile(application.Image, application.StartAddress));
        using var board = PtyBoard.InUpdateMode(Protected(), Baud);

        var noGo = await board.Run("dotnet", [Stm32bootDll, "flash", hex, "--settings", Shipped.File("settings.effective.json"),
            "--port", board.Port, "--baud", $"{Baud}", "--parity", "none", "--verify"]);
        var flash = await board.Run("dotnet", [Stm32bootDll, "flash", hex, "--settings", Shipped.File("settings.effective.json"),
            "--port", board.Port, "--baud", $"{Baud}", "--parity", "none", "--verify", "--go"]);

        Assert.Equal(1, noGo.ExitCode);
        Assert.Contains("read protection (RDP level 1) is on", noGo.StandardError);
        Assert.True(flash.ExitCode == 0, $"stm32boot flash exited {flash.ExitCode}:\n{flash.StandardOutput}{flash.StandardError}");
        Assert.Contains("by the device's CRC check", flash.StandardOutput);
        board.Board.RunUntilLine($"^L475 application {UpdateImages.New}$", 3 * Board.Second);
    }

    [Fact]
    public void BFB2_set_on_the_shipped_image_is_cleared_at_the_first_boot()
    {
        using var board = VirtualBoards.With(Shipped.Factory());
        board.OptionBytes = OptionBytes.Factory with { Optr = OptionBytes.Factory.Optr | OptionBytes.BFB2 };
        var programmings = OptionProgrammings(board);

        Assert.Equal(BootsOld, board.PowerOnAndReadVerdict());

        Assert.Contains(board.Uart.Lines, l => l.Text == "protection: BFB2 set (ST's bootloader could start bank 2): clearing it");
        Assert.Single(programmings);
        Assert.Equal(OptionBytes.Factory, board.OptionBytes);
        Assert.Equal(OptionBytes.Factory, board.Peripherals.Flash.LoadedOptions);
        board.PowerOn();
        Assert.Equal(BootsOld, board.NextVerdict());
        Assert.Single(programmings);
    }

    /// <summary>
    /// Power cuts at the points of the firmware's sequence: before OPTSTRT (the option registers written, nothing
    /// stored: the next boot programs again), right after OPTSTRT (stored, loaded by the power-on: nothing to do),
    /// and at the boot after the option byte reload. Every one ends in a protected board that boots, with one
    /// complete OPTSTRT in all.
    /// </summary>
    [Theory]
    [InlineData("before OPTSTRT")]
    [InlineData("after OPTSTRT, before OBL_LAUNCH")]
    [InlineData("at the banner after the reload")]
    public void A_power_cut_around_the_option_byte_programming_leaves_a_protected_board_that_boots(string where)
    {
        var optstrtAt = OptstrtStart();
        using var board = VirtualBoards.With(Protected());
        var programmings = OptionProgrammings(board);
        if (where == "before OPTSTRT") board.Machine.CutPowerAt(optstrtAt - 2 * Board.Microsecond, where);
        if (where == "after OPTSTRT, before OBL_LAUNCH") board.CutPowerAfterFlashOperations(1);
        board.PowerOn();
        if (where == "at the banner after the reload")
        {
            board.RunUntilLine(VirtualBoards.Banner, Board.Second);
            board.PowerOn();
        }
        RunToApplication(board);

        Assert.Equal(2, board.Machine.Resets.Count(r => r.Kind == ResetKind.PowerOn));
        Assert.Single(programmings);
        AssertProtected(board);
    }

    /// <summary>When the protected bootloader starts its OPTSTRT on a fresh board (deterministic virtual time).</summary>
    private static ulong OptstrtStart()
    {
        using var board = VirtualBoards.With(Protected());
        var programmings = OptionProgrammings(board);
        board.PowerOn();
        board.RunFor(Board.Second, () => programmings.Count > 0);
        return Assert.Single(programmings).StartPs;
    }

    /// <summary>
    /// A cut inside OPTSTRT's 45 ms is the window no firmware can close: the option-byte pages are erased, then
    /// rewritten, and RM0351 loads what fails its complement check as "all memory PCROP-protected" (execute-only).
    /// Torn in bank 1's page, the board no longer boots (the virtual board stops at the first read of the
    /// execute-only flash; on silicon the vector fetch fails): recovery needs a debugger's RDP regression. Torn in
    /// bank 2's page only, the bootloader boots and reports OPTVERR. The README's Production section says so.
    /// </summary>
    [Theory]
    [InlineData(1_000, true)]     // erasing bank 1's option page
    [InlineData(30_000, true)]    // erasing bank 2's: bank 1's erased, not written
    [InlineData(44_600, false)]   // bank 1's five double words written, bank 2's PCROP2ER torn
    public void A_power_cut_inside_OPTSTRT_tears_the_option_bytes_as_RM0351_describes(int microseconds, bool bank1Lost)
    {
        var optstrtAt = OptstrtStart();
        using var board = VirtualBoards.With(Protected());
        board.Machine.CutPowerAt(optstrtAt + (ulong)microseconds * Board.Microsecond, "inside OPTSTRT");
        board.PowerOn();

        if (bank1Lost)
        {
            var fault = Assert.Throws<BoardFaultException>(() => board.RunFor(Board.Second));
            Assert.Contains("PCROP area", fault.Message);
            Assert.True(board.Peripherals.Flash.OptionLoadError);
            return;
        }
        RunToApplication(board);
        Assert.Contains(board.Uart.Lines, l => l.Text == "protection: OPTVERR: option bytes loaded as RM0351's defaults");
        Assert.Equal(1, board.OptionBytes.RdpLevel);
        Assert.Equal((0u, 63u), Assert.Single(board.Peripherals.Flash.LoadedOptions.WrpAreas(1)));
    }

    /// <summary>`stm32boot emulate` starts a board with given option bytes and prints them at the end.</summary>
    [Fact]
    public async Task Emulate_starts_with_given_option_bytes_and_prints_them()
    {
        var run = await CliWrap.Cli.Wrap("dotnet").WithArguments([Stm32bootDll, "emulate", Shipped.File("factory.hex"), "--max-time", "0.7",
                "--option-bytes", "bfb2=1,wrp2b=10-20", "--print-option-bytes"])
            .WithStandardInputPipe(CliWrap.PipeSource.Null).WithValidation(CliWrap.CommandResultValidation.None).ExecuteBufferedAsync();

        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Contains("protection: BFB2 set (ST's bootloader could start bank 2): clearing it", run.StandardOutput);
        Assert.Contains("protection: WRP pages 10-20 of bank 2 over the application: updates fail (WRPERR)", run.StandardOutput);
        Assert.Contains("FLASH_WRP2BR    0xFF14FF0A", run.StandardError);
        Assert.Contains("BFB2 = 0, WRP bank 1: none, bank 2: pages 10-20", run.StandardError);
    }

    private static string Stm32bootDll => Shipped.File(Path.Combine("dotnet", "bin", "stm32boot", "release", "stm32boot.dll"));
}
