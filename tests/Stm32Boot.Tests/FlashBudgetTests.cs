using System.Text.RegularExpressions;
using Xunit;

namespace Stm32Boot.Tests;

/// <summary>
/// BOOTLOADER_FLASH_BUDGET (CMakeLists.txt, the one place it is set) takes a changed value at the next configure of an
/// existing build directory, without --target=Clean: a cached value must not outlive the source's. The budget follows
/// SlotMode through the generated build_config.h, so configuring one build directory first for single mode, then for
/// swap mode, must move it from 32 KB to 36 KB (it stayed at the first value before the cache entry was forced).
/// </summary>
public partial class FlashBudgetTests
{
    [Fact]
    public async Task A_changed_budget_takes_effect_in_an_existing_build_directory()
    {
        using var scratch = new ScratchDirectory();
        var single = Generated(scratch.File("gen-single"), swap: false);
        var swap = Generated(scratch.File("gen-swap"), swap: true);
        var build = scratch.File("firmware");

        Assert.Equal(32768, await ConfigureAndReadBudget(build, single));
        Assert.Equal(36864, await ConfigureAndReadBudget(build, swap));
        Assert.Equal(32768, await ConfigureAndReadBudget(build, single));
    }

    /// <summary>The build's generated files (out/gen, which the Test task's build made) with SLOT_MODE_SWAP set.</summary>
    private static string Generated(string directory, bool swap)
    {
        Directory.CreateDirectory(directory);
        foreach (var file in Directory.GetFiles(Repository.Path("out", "gen")))
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        var config = Path.Combine(directory, "build_config.h");
        File.WriteAllText(config, SlotModeLine().Replace(File.ReadAllText(config), $"#define SLOT_MODE_SWAP {(swap ? 1 : 0)}"));
        return directory;
    }

    private static async Task<int> ConfigureAndReadBudget(string build, string generated)
    {
        var result = await ExternalTool.Run("cmake", ["--preset", "release", "-B", build, $"-DGEN_DIR={generated}", "-DTOOLCHAIN_PREFIX=arm-none-eabi-"],
            Repository.Root);
        Assert.True(result.ExitCode == 0, $"cmake configure failed:\n{result.StandardOutput}{result.StandardError}");
        var cache = File.ReadAllText(Path.Combine(build, "CMakeCache.txt"));
        return int.Parse(BudgetLine().Match(cache).Groups[1].Value);
    }

    [GeneratedRegex(@"^#define SLOT_MODE_SWAP [01]$", RegexOptions.Multiline)]
    private static partial Regex SlotModeLine();

    [GeneratedRegex(@"^BOOTLOADER_FLASH_BUDGET:STRING=(\d+)$", RegexOptions.Multiline)]
    private static partial Regex BudgetLine();
}
