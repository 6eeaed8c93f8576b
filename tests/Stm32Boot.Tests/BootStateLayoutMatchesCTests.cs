using Xunit;

namespace Stm32Boot.Tests;

/// <summary>
/// The boot-attempt state (bootloader/core/boot_state.h) and the swap status format (bootloader/core/slot_swap.h) are
/// defined in C; BootState and SwapStatus read them from flash dumps. tests/host/boot_state_layout_dump.c and
/// slot_swap_layout_dump.c print the C side; they are compiled here with the host compiler and compared.
/// </summary>
public class BootStateLayoutMatchesCTests
{
    [Fact]
    public async Task Boot_state_offsets_and_magics_equal_the_csharp_ones()
    {
        var values = await Dump("boot_state_layout_dump.c");

        Assert.Equal(new Dictionary<string, ulong>
        {
            ["BOOT_STATE_OFFSET"] = BootState.Offset,
            ["BOOT_STATE_SIZE"] = BootState.Size,
            ["BOOT_STATE_DOUBLE_WORD"] = BootState.DoubleWord,
            ["BOOT_STATE_TRIAL_SLOT"] = BootState.TrialSlot,
            ["BOOT_STATE_FIRST_START"] = BootState.FirstStart,
            ["BOOT_STATE_FIRST_CONFIRM"] = BootState.FirstConfirm,
            ["BOOT_STATE_MAX_ATTEMPTS"] = BootState.MaxAttempts,
            ["BOOT_STATE_TRIAL_MAGIC"] = BootState.TrialMagic,
            ["BOOT_STATE_START_MAGIC"] = BootState.StartMagic,
            ["BOOT_STATE_CONFIRM_MAGIC"] = BootState.ConfirmMagic,
        }, values);
        Assert.Equal(BuildSettings.MaxBootAttempts, (uint)BootState.MaxAttempts);
    }

    [Fact]
    public async Task Swap_status_magics_equal_the_csharp_ones()
    {
        var values = await Dump("slot_swap_layout_dump.c");

        Assert.Equal(new Dictionary<string, ulong>
        {
            ["SLOT_SWAP_MAGIC_INSTALL"] = SwapStatus.InstallMagic,
            ["SLOT_SWAP_MAGIC_REVERT"] = SwapStatus.RevertMagic,
            ["SLOT_SWAP_RECORD_MAGIC"] = SwapStatus.RecordMagic,
            ["SLOT_SWAP_DESCRIPTOR_SIZE"] = SwapStatus.DescriptorSize,
        }, values);
        // The area holds the descriptor and two records per slot page, as MemoryMap sizes it.
        Assert.Equal((ulong)MemoryMap.SwapStatusDescriptorDoubleWords * MemoryMap.FlashDoubleWord, values["SLOT_SWAP_DESCRIPTOR_SIZE"]);
    }

    private static async Task<Dictionary<string, ulong>> Dump(string source)
    {
        using var scratch = new ScratchDirectory();
        var program = scratch.File(Path.GetFileNameWithoutExtension(source));
        await ExternalTool.RunChecked("cc", ["-std=c11", "-Wall", "-Werror", "-I", Repository.Path("bootloader", "core"),
            Repository.Path("tests", "host", source), "-o", program]);
        return (await ExternalTool.RunChecked(program, [])).StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' '))
            .ToDictionary(parts => parts[0], parts => ulong.Parse(parts[1]));
    }
}
