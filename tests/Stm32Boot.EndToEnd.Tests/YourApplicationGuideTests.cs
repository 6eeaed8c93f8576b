using System.Text.RegularExpressions;
using Stm32Boot.Uart;
using Stm32Boot.VirtualBoard;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// docs/your-application.md, run as written: each of its shell blocks that builds the CubeMX-style example
/// (docs/your-application/example: its own startup file, SystemInit setting VTOR from VECT_TAB_OFFSET, its own linker
/// script with the header page as APP_HEADER) compiles it with arm-none-eabi-gcc, stamps it (route A: the header linked
/// in; route B: `stamp --add-header`), merges it with out/bootloader.hex and boots it with `stm32boot emulate`. Then the
/// example, installed over the UART as `stm32boot flash` installs it, starts in trial and confirms itself.
/// </summary>
public partial class YourApplicationGuideTests
{
    private const string Guide = "docs/your-application.md";
    private const string Running = "example: CubeMX-style application running, SysTick at 10 ms";

    public static TheoryData<string> ExampleBlocks()
    {
        var data = new TheoryData<string>();
        foreach (var block in ExampleBlockList()) data.Add(block);
        return data;
    }

    private static List<string> ExampleBlockList()
    {
        var blocks = ShellBlock().Matches(File.ReadAllText(Path.Combine(Shipped.Root, Guide)))
            .Select(m => m.Groups[1].Value).Where(b => b.Contains("docs/your-application/example")).ToList();
        Assert.True(blocks.Count == 2, $"{Guide} has a block for each header route, found {blocks.Count}");
        return blocks;
    }

    [Theory]
    [MemberData(nameof(ExampleBlocks))]
    public void The_guides_commands_build_stamp_and_boot_the_example(string block)
    {
        using var scratch = new Scratch();

        var output = Run(block, scratch);

        var version = StampVersion(block);
        Assert.Contains($"boot: application {version} -> 0x{Shipped.Map.Image.Base:X8}\r\n", output);
        Assert.Contains(Running + "\r\n", output);
        // A factory image is written by a programmer: no trial, nothing to confirm.
        Assert.Contains("example: boot confirm: already confirmed", output);
    }

    /// <summary>The guide's CMake post-build step, as the example's CMakeLists.txt carries it, configured and built with
    /// the commands at that file's top from a build folder outside the repository, as an IDE's is.</summary>
    [Fact]
    public void The_cmake_post_build_step_stamps_the_example_into_a_bootable_image()
    {
        var guide = File.ReadAllText(Path.Combine(Shipped.Root, Guide));
        var example = Path.Combine(Shipped.Root, "docs", "your-application", "example");
        var step = PostBuildStep().Match(guide);
        Assert.True(step.Success, $"{Guide} shows the CMake post-build step");
        Assert.Contains(step.Value, File.ReadAllText(Path.Combine(example, "CMakeLists.txt")));
        using var build = new Scratch();

        PeerTools.Run("cmake", "-S", example, "-B", build.Path, "-G", "Ninja",
            $"-DCMAKE_TOOLCHAIN_FILE={Path.Combine(Shipped.Root, "build", "cmake", "arm-none-eabi.cmake")}");
        PeerTools.Run("cmake", "--build", build.Path);

        var image = IntelHexReader.ReadFile(Shipped.File("bootloader.hex")).Image;
        foreach (var segment in IntelHexReader.ReadFile(build.File("stamped/app.hex")).Image.Segments)
            image.Write(segment.Address, segment.Data);
        using var board = VirtualBoards.With(image);
        Assert.Equal($"boot: application {Shipped.Settings.Version} -> 0x{Shipped.Map.Image.Base:X8}", board.PowerOnAndReadVerdict());
        board.RunUntilLine("^" + Running + "$", 100 * Board.Millisecond);
    }

    /// <summary>The guide's CubeIDE post-build command, with CubeIDE's variables as it sets them, run where CubeIDE runs
    /// it: the build configuration's folder, outside the repository, holding the linked ELF.</summary>
    [Fact]
    public void The_cubeide_post_build_command_stamps_the_example_into_a_bootable_image()
    {
        var command = CubeIdePostBuild().Match(File.ReadAllText(Path.Combine(Shipped.Root, Guide)));
        Assert.True(command.Success, $"{Guide} shows the CubeIDE post-build command");
        using var built = new Scratch();
        Run(ExampleBlockList().Single(b => b.Contains("--add-header")), built);
        using var debug = new Scratch();
        File.Copy(built.File("example.elf"), debug.File("example.elf"));

        PeerTools.Run("sh", "-ec", $"cd '{debug.Path}'\n" + command.Value
            .Replace("${STM32BOOT_REPO}", Shipped.Root, StringComparison.Ordinal)
            .Replace("${ProjName}", "example", StringComparison.Ordinal));

        var stamped = IntelHexReader.ReadFile(debug.File("stamped/example.hex")).Image;
        var inspection = ImageInspector.Inspect(stamped, Shipped.Map, Shipped.Settings.BoardId);
        Assert.True(inspection.Accepted, string.Join("; ", inspection.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Detail}")));
        Assert.Equal(SignatureBlock.SignedFlag, ImageHeader.Parse(stamped.Read(Shipped.Map.Header.Base, ImageHeader.Size, 0xFF)).Flags);
    }

    [Fact]
    public void The_output_the_guide_shows_is_what_the_example_prints()
    {
        var guide = File.ReadAllText(Path.Combine(Shipped.Root, Guide));
        var shown = ShownOutput().Match(guide);
        Assert.True(shown.Success, $"{Guide} shows the virtual board's output after the route B block");
        using var scratch = new Scratch();

        var output = Run(ExampleBlockList().Single(b => b.Contains("--add-header")), scratch);

        var printed = output.Split('\n').Select(line => line.TrimEnd('\r')).ToList();
        foreach (var line in shown.Groups[1].Value.TrimEnd('\n').Split('\n'))
            Assert.Contains(line, printed);
    }

    [Fact]
    public void The_example_installed_by_the_bootloader_starts_in_trial_and_confirms_itself()
    {
        var block = ExampleBlockList().Single(b => b.Contains("--add-header"));
        using var scratch = new Scratch();
        Run(block, scratch);
        var example = IntelHexReader.ReadFile(scratch.File("example.hex")).Image;
        var version = StampVersion(block);
        Assert.True(Ordered(version).CompareTo(Ordered(UpdateImages.Old)) > 0, "the example must be newer than the installed application (AllowDowngrade is off)");

        using var session = UpdateSession.Start(Shipped.FactoryWith(UpdateImages.Old), 921600);
        Assert.Empty(session.Flash(example, verify: true, go: true).Mismatches);
        session.Link.Baud = UartFraming.Console.Baud;
        var board = session.Board;

        var from = board.Uart.Lines.Count;
        board.RunUntilLine($"^boot: application {version} ", 2 * Board.Second, from);
        var confirm = board.RunUntilLine("^example: boot confirm: ", 100 * Board.Millisecond, from);
        Assert.Contains($"trial: start 1 of {Shipped.Settings.BootAttempts}, not confirmed yet", Lines(board, from));
        Assert.Equal("example: boot confirm: confirmed now", confirm.Text);

        board.PowerOn();
        from = board.Uart.Lines.Count;
        Assert.Equal($"boot: application {version} -> 0x{Shipped.Map.Image.Base:X8}", board.NextVerdict());
        Assert.Equal("example: boot confirm: already confirmed", board.RunUntilLine("^example: boot confirm: ", 100 * Board.Millisecond, from).Text);
        Assert.DoesNotContain(Lines(board, from), line => line.StartsWith("trial:", StringComparison.Ordinal));
    }

    // From the repository's root as the guide says; what it writes to out/example goes to a scratch directory, and
    // out/ is the build under test.
    private static string Run(string block, Scratch scratch)
    {
        var script = RepositoryOut().Replace(block, m => m.Value == "out/example" ? scratch.Path : Shipped.OutDir);
        return PeerTools.Run("sh", "-ec", $"cd '{Shipped.Root}'\n{script}");
    }

    private static FirmwareVersion StampVersion(string block) =>
        Regex.Match(block, @"--version (\S+)") is { Success: true } m ? FirmwareVersion.Parse(m.Groups[1].Value, "--version") : Shipped.Settings.Version;

    private static (int, int, int, int) Ordered(FirmwareVersion v) => (v.Major, v.Minor, v.Patch, v.Build);

    private static List<string> Lines(Board board, int from) => board.Uart.Lines.Skip(from).Select(l => l.Text).ToList();

    // "out" as a path of its own, at the start of a word: out/example, out/bootloader.hex, -I out/gen.
    [GeneratedRegex(@"(?<![\w/.-])out(?:/example(?=[/\s])|(?=/))")]
    private static partial Regex RepositoryOut();

    [GeneratedRegex(@"^dotnet \$\{STM32BOOT_REPO\}.*$", RegexOptions.Multiline)]
    private static partial Regex CubeIdePostBuild();

    [GeneratedRegex(@"add_custom_command\(TARGET app POST_BUILD.*?VERBATIM\)", RegexOptions.Singleline)]
    private static partial Regex PostBuildStep();

    // The block after the route B commands, the only one that starts with the bootloader's banner.
    [GeneratedRegex(@"```\n(L475 bootloader [^`]*)```")]
    private static partial Regex ShownOutput();

    [GeneratedRegex(@"```sh\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();
}
