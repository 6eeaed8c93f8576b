// The build orchestrator: a Cake script (run by the Cake .NET tool, see ./build.sh). It reads as a table of
// contents; the work itself (generate, stamp, merge, inspect, emulate) lives in the tested C# under tools/.
//
//   ./build.sh                      build everything: out/factory.hex, bootloader and stamped application
//   ./build.sh --target=Test        every test (host C, C# tools, virtual board end to end)
//   ./build.sh --target=Bench       benchmarks: sizes, emulator speed, boot time
//   ./build.sh --target=Fuzz        every libFuzzer target for FuzzSeconds (600) each: execs, exec/s, coverage
//   ./build.sh --target=Flash       stamp, then flash the board in update mode through FlashPort (AN3155 over UART)
//   ./build.sh --target=PowerCuts   the full power-cut campaigns the Test task runs a slice of (hours: see the task)
//   ./build.sh --Version=1.2.3.4    any setting of build/settings.json, also as STM32BOOT_<Key> (':' -> '__')

// Cake's #addin does not resolve dependencies: every assembly is listed. Microsoft.Extensions.* stays at 10.0.x,
// the line that runs on Cake's .NET 10 runtime (11.x needs System.Text.Json 11).
#addin nuget:?package=CliWrap&version=3.10.5
#addin nuget:?package=Microsoft.Extensions.Primitives&version=10.0.0
#addin nuget:?package=Microsoft.Extensions.Configuration.Abstractions&version=10.0.0
#addin nuget:?package=Microsoft.Extensions.Configuration&version=10.0.0
#addin nuget:?package=Microsoft.Extensions.FileProviders.Abstractions&version=10.0.0
#addin nuget:?package=Microsoft.Extensions.FileProviders.Physical&version=10.0.0
#addin nuget:?package=Microsoft.Extensions.FileSystemGlobbing&version=10.0.0
#addin nuget:?package=Microsoft.Extensions.Configuration.FileExtensions&version=10.0.0
#addin nuget:?package=Microsoft.Extensions.Configuration.Json&version=10.0.0
#addin nuget:?package=Microsoft.Extensions.Configuration.EnvironmentVariables&version=10.0.0
#nullable enable
#load "build/process.cake"
#load "build/settings.cake"
#load "build/doctor.cake"
#load "build/deps.cake"
#load "build/test-tally.cake"
#load "build/fuzz.cake"

using Microsoft.Extensions.Configuration;

var target = Argument("target", "Package");
var root = MakeAbsolute(Directory(".")).FullPath;
var outDir = $"{root}/out";
var settings = BuildSettings.Load(Context, root);
var preset = settings.BuildType.ToLowerInvariant();
var firmwareDir = $"{outDir}/firmware/{preset}";
var toolsDll = $"{outDir}/dotnet/bin/stm32boot/release/stm32boot.dll";
var effectiveSettings = $"{outDir}/settings.effective.json";
// The Test task's smoke run of every fuzz target, with the committed seeds: about 2 minutes for the seven.
const int FuzzSmokeSeconds = 16;

Setup(ctx => Information($"version {settings.Version}, board {settings.BoardId}, {settings.BuildType}, toolchain {settings.ToolchainPrefix}gcc"));

Task("Clean")
    .Description("Delete out/, the only folder the build writes.")
    .Does(() => { if (DirectoryExists(outDir)) DeleteDirectory(outDir, new DeleteDirectorySettings { Recursive = true, Force = true }); });

Task("Doctor")
    .Description("Check the toolchain and the Debian packages building needs (build/packages.txt); as root on Debian, install what is missing.")
    .Does(async () => await Doctor.CheckAsync(Context, $"{root}/build/packages.txt", settings.ToolchainPrefix));

Task("TestPeers")
    .Description("Check the Debian packages the tests, fuzzers and benchmarks need besides (build/test-packages.txt); as root on Debian, install what is missing.")
    .Does(async () => await Doctor.CheckAsync(Context, $"{root}/build/test-packages.txt", null));

Task("Deps")
    .Description("Fetch the pinned third-party sources (build/deps.json) into out/deps/: as root from Debian's source packages, else print the commands.")
    .IsDependentOn("Doctor")
    .Does(async () => await Deps.EnsureAsync(Context, root));

Task("Tools")
    .Description("Build the stm32boot tool (generate, stamp, merge, info, emulate).")
    .IsDependentOn("Doctor")
    .Does(async () => await Run("dotnet", new[] { "build", $"{root}/tools/Stm32Boot.Cli", "-c", "Release", "--nologo", "-v", "quiet" }, "dotnet"));

Task("Configure")
    .Description("Generate memory map, linker fragment and build config from the settings; configure CMake.")
    .IsDependentOn("Deps")
    .IsDependentOn("Tools")
    .Does(async () =>
    {
        settings.WriteEffective(effectiveSettings);
        try { await Stm32Boot("generate", "--settings", effectiveSettings, "--out", $"{outDir}/gen"); }
        catch (CakeException) when (settings.Overrides.Length > 0)
        {
            throw new CakeException($"the settings were refused (see above). {effectiveSettings} is {settings.Overrides}: check those values.");
        }
        await Run("cmake", new[] { "--preset", preset, $"-DGEN_DIR={outDir}/gen", $"-DTOOLCHAIN_PREFIX={settings.ToolchainPrefix}" }, "cmake");
    });

Task("Bootloader")
    .Description("Compile and link the bootloader (prints its memory use).")
    .IsDependentOn("Configure")
    .Does(async () => await Run("cmake", new[] { "--build", firmwareDir, "--target", "bootloader" }, "bootloader"));

Task("Application")
    .Description("Compile and link the application (prints its memory use).")
    .IsDependentOn("Configure")
    .Does(async () => await Run("cmake", new[] { "--build", firmwareDir, "--target", "application" }, "application"));

Task("Stamp")
    .Description("Fill the application header (size, CRCs); write stamped HEX, BIN and ELF to out/.")
    .IsDependentOn("Bootloader")
    .IsDependentOn("Application")
    .Does(async () =>
    {
        await Stm32Boot("stamp", $"{firmwareDir}/application.elf", "--out-dir", outDir, "--name", "application", "--settings", effectiveSettings);
        CopyFile($"{firmwareDir}/bootloader.elf", $"{outDir}/bootloader.elf");
        CopyFile($"{firmwareDir}/bootloader.hex", $"{outDir}/bootloader.hex");
        CopyFile($"{firmwareDir}/bootloader.bin", $"{outDir}/bootloader.bin");
    });

Task("Merge")
    .Description("Merge bootloader and stamped application into out/factory.hex.")
    .IsDependentOn("Stamp")
    .Does(async () => await Stm32Boot("merge", $"{outDir}/bootloader.hex", $"{outDir}/application.hex", "-o", $"{outDir}/factory.hex", "--start-from", $"{outDir}/bootloader.hex"));

Task("Package")
    .Description("The default: out/factory.hex, checked the way the bootloader will check it.")
    .IsDependentOn("Merge")
    .Does(async () => await Stm32Boot("info", $"{outDir}/factory.hex", "--settings", effectiveSettings));

Task("Flash")
    .Description("Stamp, then flash out/application.hex through FlashPort at FlashBaud (build/settings.json, or --FlashPort=...), verify it and start it; " +
                 "--FlashParity=none for a pty, --FlashEnter='update\r' to ask the running application for update mode first (stm32boot flash's --parity and --enter).")
    .IsDependentOn("Stamp")
    .Does(async () =>
    {
        var flash = new List<string> { "flash", $"{outDir}/application.hex", "--settings", effectiveSettings, "--verify", "--go" };
        if (Argument<string?>("FlashParity", null) is { } parity) flash.AddRange(new[] { "--parity", parity });
        if (Argument<string?>("FlashEnter", null) is { } enter) flash.AddRange(new[] { "--enter", enter });
        await Stm32Boot(flash.ToArray());
    });

Task("Variants")
    .Description("Firmware variants the end-to-end tests and the Bench run besides out/factory.hex: out/variants/NAME/factory.hex.")
    .IsDependentOn("Package")
    .Does(async () =>
    {
        // UsbBootWindowMs is compiled in; 0 (the default) builds no window at all, so the tests need a build with one.
        await BuildVariant("usb-boot-window", ("UsbBootWindowMs", 3000));
        // The shipped Protection "none" never touches the option bytes; the tests need the bootloader that sets them.
        await BuildVariant("protected", ("Protection", "wrp+rdp1"));
        // The bootloader without the signature check: the Bench's "without signatures" size (VerifySignatureAtBoot
        // needs RequireSignature, so it goes off too).
        await BuildVariant("unsigned", ("RequireSignature", false), ("VerifySignatureAtBoot", false));
        // The shipped build verifies an image before it commits it; this one also at every boot (the Bench times it).
        await BuildVariant("verify-at-boot", ("VerifySignatureAtBoot", true));
        // BootBanner quiet, the product's console: a boot with nothing to report prints nothing (the tests and the Bench's
        // boot time per reset cause).
        await BuildVariant("quiet-boot", ("BootBanner", "quiet"));
        // SlotMode swap moves the application's region (the slot ends with bank 1): the application is rebuilt and
        // stamped for that map too, into out/variants/swap/application.{hex,bin,elf}.
        await BuildVariant("swap", VariantImages.BootloaderAndApplication, ("SlotMode", "swap"));
    });

Task("Test")
    .IsDependentOn("TestPeers")
    .Description("Every test: host C (CTest), a smoke run of every fuzz target, C# tools (xunit), virtual board and end to end on out/factory.hex.")
    .IsDependentOn("Variants")
    .Does(async () =>
    {
        var tally = new TestTally();
        await Run("cmake", new[] { "-S", $"{root}/tests/host", "-B", $"{outDir}/host-tests", "-G", "Ninja" }, "ctest");
        await Run("cmake", new[] { "--build", $"{outDir}/host-tests" }, "ctest");
        await Run("ctest", new[] { "--test-dir", $"{outDir}/host-tests", "--output-on-failure" }, "ctest", observe: tally.Observe);
        // Every project runs even when one fails, so one run shows every failure.
        var failedProjects = new List<string>();
        foreach (var fuzzed in await RunFuzzers(root, outDir, FuzzSmokeSeconds))
        {
            tally.Count(fuzzed.Passed);
            if (!fuzzed.Passed) failedProjects.Add(fuzzed.Target);
        }
        foreach (var project in TestProjects(root))
        {
            try
            {
                await Run("dotnet", new[] { "test", project, "-c", "Release", "--nologo", "--logger", "console;verbosity=normal" }, System.IO.Path.GetFileName(project),
                    new Dictionary<string, string?> { ["BOOT_OUT_DIR"] = outDir }, tally.Observe);
            }
            catch (CakeException e) { Error("{0}", e.Message); failedProjects.Add(System.IO.Path.GetFileName(project)); }
        }
        Console.WriteLine(tally.ToString());
        if (failedProjects.Count > 0) throw new CakeException($"tests failed in {string.Join(", ", failedProjects)} (see above).");
    });

Task("Fuzz")
    .IsDependentOn("TestPeers")
    .Description("Every libFuzzer target of tests/host for FuzzSeconds each (--FuzzSeconds=N, default 600): execs, exec/s, coverage.")
    .IsDependentOn("Doctor")
    .Does(async () =>
    {
        var failed = (await RunFuzzers(root, outDir, Argument("FuzzSeconds", 600))).Where(r => !r.Passed).Select(r => r.Target).ToList();
        if (failed.Count > 0) throw new CakeException($"fuzzing found failures in {string.Join(", ", failed)} (inputs and the lines to reproduce them above).");
    });

Task("PowerCuts")
    .IsDependentOn("TestPeers")
    .Description("The full power-cut campaigns on the virtual board, which the Test task runs a slice of: a cut after every flash operation of a 64 KB swap install and revert (hours) and at 200 points of a 256 KB one (BOOT_SWAP_POWER_CUTS=all), and 200 points of a 256 KB UART update.")
    .IsDependentOn("Variants")
    .Does(async () => await Run("dotnet", new[] { "test", $"{root}/tests/Stm32Boot.EndToEnd.Tests", "-c", "Release", "--nologo", "--filter", "FullyQualifiedName~PowerCut",
        "--logger", "console;verbosity=normal" }, "power cuts",
        new Dictionary<string, string?> { ["BOOT_OUT_DIR"] = outDir, ["BOOT_SWAP_POWER_CUTS"] = Argument("SwapPowerCuts", "all") }));

Task("Bench")
    .IsDependentOn("TestPeers")
    .Description("Benchmarks: image sizes against their budgets (with and without signatures), emulator speed, boot time in virtual time (with the signature check at boot).")
    .IsDependentOn("Variants")
    .Does(async () => await Run("dotnet", new[] { "run", "--project", $"{root}/tests/Stm32Boot.Bench", "-c", "Release", "--", outDir }, "bench"));

RunTarget(target);

Task Stm32Boot(params string[] args) => Run("dotnet", new[] { toolsDll }.Concat(args).ToArray(), "stm32boot");

// The shipped settings with some top-level keys changed (any JSON value: a number, a string, a boolean...); the
// bootloader rebuilt with them, merged with the shipped application.
Task BuildVariant(string name, params (string Key, System.Text.Json.Nodes.JsonNode Value)[] changes) =>
    BuildVariant(name, VariantImages.Bootloader, changes);

// As above; with VariantImages.BootloaderAndApplication the application is rebuilt with the variant's settings too and
// stamped into out/variants/NAME/application.{hex,bin,elf}, and that is what factory.hex merges.
async Task BuildVariant(string name, VariantImages images, params (string Key, System.Text.Json.Nodes.JsonNode Value)[] changes)
{
    var dir = $"{outDir}/variants/{name}";
    var variantSettings = System.Text.Json.Nodes.JsonNode.Parse(System.IO.File.ReadAllText(effectiveSettings))!;
    foreach (var (key, value) in changes)
        variantSettings[key] = value;
    System.IO.Directory.CreateDirectory(dir);
    System.IO.File.WriteAllText($"{dir}/settings.json", variantSettings.ToJsonString());
    await Stm32Boot("generate", "--settings", $"{dir}/settings.json", "--out", $"{dir}/gen");
    await Run("cmake", new[] { "--preset", preset, "-B", $"{dir}/firmware", $"-DGEN_DIR={dir}/gen", $"-DTOOLCHAIN_PREFIX={settings.ToolchainPrefix}" }, "cmake");
    var application = $"{outDir}/application.hex";
    if (images == VariantImages.BootloaderAndApplication)
    {
        await Run("cmake", new[] { "--build", $"{dir}/firmware", "--target", "bootloader", "application" }, name);
        await Stm32Boot("stamp", $"{dir}/firmware/application.elf", "--out-dir", dir, "--name", "application", "--settings", $"{dir}/settings.json");
        application = $"{dir}/application.hex";
    }
    else
        await Run("cmake", new[] { "--build", $"{dir}/firmware", "--target", "bootloader" }, name);
    await Stm32Boot("merge", $"{dir}/firmware/bootloader.hex", application, "-o", $"{dir}/factory.hex", "--start-from", $"{dir}/firmware/bootloader.hex");
}

// What a variant rebuilds: the bootloader only (merged with the shipped application), or both.
enum VariantImages { Bootloader, BootloaderAndApplication }

static IEnumerable<string> TestProjects(string root) =>
    System.IO.Directory.GetDirectories($"{root}/tests").Where(d => System.IO.Directory.GetFiles(d, "*.Tests.csproj").Length > 0).OrderBy(d => d);
