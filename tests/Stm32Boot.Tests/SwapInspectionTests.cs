using System.Buffers.Binary;
using Xunit;

namespace Stm32Boot.Tests;

/// <summary>`stm32boot info` on a whole-flash dump in SlotMode swap (SlotInspector, BootState, SwapStatus): synthetic
/// dumps with images in the primary, secondary and previous slots, boot states and status areas written the way
/// boot_state.h and slot_swap.h lay them out.</summary>
public class SwapInspectionTests(SignableTinyArmElfFixture fixture) : IClassFixture<SignableTinyArmElfFixture>, IDisposable
{
    private static readonly BuildSettings Settings = TestSettings.ParseWith("SlotMode", "swap");
    private static MemoryMap Map => Settings.MemoryMap;
    private const uint Board = 0x04150001;

    private readonly SigningKey key = SigningKey.Generate();

    public void Dispose() => key.Dispose();

    /// <summary>A signed image stamped for the swap map, at the primary slot's addresses.</summary>
    private MemoryImage Image(string version) =>
        Stamper.Stamp(fixture.ElfPath, Settings, FirmwareVersion.Parse(version, "version"), new ImageSigning(key, 1)).Image;

    /// <summary>An erased 1 MB flash with <paramref name="image"/> copied into the slot at <paramref name="slotBase"/>.</summary>
    private static void Put(MemoryImage flash, MemoryImage image, uint slotBase)
    {
        foreach (var segment in image.Segments)
            flash.Write(segment.Address - Map.Slot.Base + slotBase, segment.Data);
    }

    private static MemoryImage Erased()
    {
        var flash = new MemoryImage();
        flash.Write(Map.Flash.Base, Enumerable.Repeat((byte)0xFF, (int)Map.Flash.Size).ToArray());
        return flash;
    }

    private static void DoubleWord(MemoryImage flash, uint address, ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        flash.Write(address, bytes);
    }

    private static void Mark(MemoryImage flash, uint slotBase, int slot, ulong magic) =>
        DoubleWord(flash, slotBase + BootState.Offset + (uint)(slot * BootState.DoubleWord), magic);

    private static ulong Whole(uint value) => value | (ulong)~value << 32;

    /// <summary>A status area's descriptor as slot_swap_begin programs it, and <paramref name="records"/> step records.</summary>
    private static void Area(MemoryImage flash, int area, ulong magic, uint sequence, uint pages, int records)
    {
        var at = Map.SwapStatus!.Base + (uint)area * Map.SwapStatusAreaSize;
        var descriptor = new byte[24];
        BinaryPrimitives.WriteUInt64LittleEndian(descriptor, magic);
        BinaryPrimitives.WriteUInt64LittleEndian(descriptor.AsSpan(8), Whole(sequence));
        BinaryPrimitives.WriteUInt64LittleEndian(descriptor.AsSpan(16), Whole(pages));
        flash.Write(at, descriptor);
        DoubleWord(flash, at + 24, Whole(ImageCrc.Compute(descriptor)));
        for (var s = 0; s < records; s++)
            DoubleWord(flash, at + 32 + (uint)s * 8, SwapStatus.RecordMagic);
    }

    private SwapInspection Inspect(MemoryImage flash) => SlotInspector.Inspect(flash, Map, Board, key, requireSignature: true);

    [Fact]
    public void A_requested_update_in_the_secondary_is_a_pending_install_and_each_slot_shows_version_checks_and_boot_state()
    {
        var flash = Erased();
        Put(flash, Image("1.0.0.1"), Map.Slot.Base);
        Mark(flash, Map.Slot.Base, BootState.TrialSlot, BootState.TrialMagic);
        Mark(flash, Map.Slot.Base, BootState.FirstStart, BootState.StartMagic);
        Mark(flash, Map.Slot.Base, BootState.FirstConfirm, BootState.ConfirmMagic);
        Put(flash, Image("2.0.0.0"), Map.Secondary!.Base);
        Mark(flash, Map.Secondary.Base, BootState.TrialSlot, BootState.TrialMagic);

        var swap = Inspect(flash);

        Assert.Equal(["primary", "secondary", "previous"], swap.Slots.Select(s => s.Name));
        Assert.Equal([Map.Slot.Base, 0x08080800u, 0x08080000u], swap.Slots.Select(s => s.Base));
        var (primary, secondary, previous) = (swap.Slots[0], swap.Slots[1], swap.Slots[2]);
        Assert.Equal("1.0.0.1", primary.Image.Header!.FwVersion.ToString());
        Assert.True(primary.Image.Accepted);
        Assert.Equal(SignatureStatus.Ok, primary.Signature!.Status);
        Assert.Equal(new BootStateInfo(true, 1, 0), primary.BootState);
        Assert.False(primary.BootState.Trial);
        Assert.Null(primary.Pending);
        Assert.Equal("2.0.0.0", secondary.Image.Header!.FwVersion.ToString());
        Assert.True(secondary.Image.Accepted);
        Assert.True(secondary.BootState.Trial);
        Assert.True(secondary.Pending);
        // The previous slot's header page is the page below the secondary's: erased here, so no image.
        Assert.True(previous.Empty);
        Assert.Null(swap.Newest);
        Assert.All(swap.StatusAreas, a => Assert.Equal("erased", a.Invalid));
    }

    [Fact]
    public void An_update_without_its_trial_marker_or_that_the_bootloader_would_refuse_is_not_pending()
    {
        var flash = Erased();
        Put(flash, Image("2.0.0.0"), Map.Secondary!.Base);
        Assert.False(Inspect(flash).Slots[1].Pending);

        Mark(flash, Map.Secondary.Base, BootState.TrialSlot, BootState.TrialMagic);
        Assert.True(Inspect(flash).Slots[1].Pending);

        // One flipped image byte: image_crc32 fails, and the request would be consumed, not installed.
        var at = Map.Secondary.Base + Map.Header.Size + Inspect(flash).Slots[1].Image.Header!.ImageSize - 1;
        flash.Write(at, [(byte)(flash.Read(at, 1, 0xFF)[0] ^ 0x04)]);
        var refused = Inspect(flash).Slots[1];
        Assert.False(refused.Pending);
        Assert.Contains("image_crc32", refused.Image.Checks.Where(c => !c.Passed).Select(c => c.Name));
    }

    [Fact]
    public void An_unsigned_update_is_pending_only_for_a_bootloader_that_does_not_require_signatures()
    {
        var flash = Erased();
        Put(flash, Stamper.Stamp(fixture.ElfPath, Settings).Image, Map.Secondary!.Base);
        Mark(flash, Map.Secondary.Base, BootState.TrialSlot, BootState.TrialMagic);

        Assert.False(SlotInspector.Inspect(flash, Map, Board, key, requireSignature: true).Slots[1].Pending);
        Assert.True(SlotInspector.Inspect(flash, Map, Board, key, requireSignature: false).Slots[1].Pending);
    }

    [Fact]
    public void After_an_install_the_previous_slot_holds_the_old_image_with_its_boot_state_and_the_status_says_finished()
    {
        var flash = Erased();
        Put(flash, Image("2.0.0.0"), Map.Slot.Base);
        Mark(flash, Map.Slot.Base, BootState.TrialSlot, BootState.TrialMagic);
        Mark(flash, Map.Slot.Base, BootState.FirstStart, BootState.StartMagic);
        Mark(flash, Map.Slot.Base, BootState.FirstStart + 1, BootState.StartMagic);
        Put(flash, Image("1.0.0.1"), Map.Previous!.Base);
        Area(flash, 0, SwapStatus.InstallMagic, sequence: 1, pages: 7, records: 14);

        var swap = Inspect(flash);

        Assert.Equal(new BootStateInfo(true, 2, null), swap.Slots[0].BootState);
        Assert.Equal("in trial, 2 starts marked, not confirmed", swap.Slots[0].BootState.ToString());
        Assert.Equal("1.0.0.1", swap.Slots[2].Image.Header!.FwVersion.ToString());
        Assert.True(swap.Slots[2].Image.Accepted);
        Assert.False(swap.Slots[2].BootState.Trial);
        // The secondary's header page is the previous image's page 1: no header there, nothing pending.
        Assert.False(swap.Slots[1].Pending);
        Assert.Equal(new SwapStatusArea(0, 0x080E0800, true, null, SwapKind.Install, 1, 7, 14, 14), swap.StatusAreas[0]);
        Assert.Equal(swap.StatusAreas[0], swap.Newest);
        Assert.True(swap.Newest!.Finished);
    }

    [Fact]
    public void The_newest_area_is_the_valid_one_with_the_higher_sequence_and_steps_done_are_the_leading_records()
    {
        var flash = Erased();
        Area(flash, 0, SwapStatus.InstallMagic, sequence: 1, pages: 5, records: 10);
        Area(flash, 1, SwapStatus.RevertMagic, sequence: 2, pages: 5, records: 3);
        // A record past a gap does not count: steps are done in order.
        DoubleWord(flash, Map.SwapStatus!.Base + Map.SwapStatusAreaSize + 32 + 4 * 8, SwapStatus.RecordMagic);

        var swap = Inspect(flash);

        Assert.Equal((1, SwapKind.Revert, 2u, 3u, 5u, false), (swap.Newest!.Index, swap.Newest.Kind, swap.Newest.Sequence, swap.Newest.StepsDone, swap.Newest.Steps, swap.Newest.Finished));
        Assert.Equal("revert, sequence 2, 5 pages, 3 of 5 steps done", swap.Newest.ToString());
    }

    [Fact]
    public void A_torn_record_counts_as_done()
    {
        var flash = Erased();
        Area(flash, 0, SwapStatus.InstallMagic, sequence: 4, pages: 2, records: 1);
        // A program cut short: only some low-nibble bits programmed (the virtual board's torn program).
        DoubleWord(flash, Map.SwapStatus!.Base + 32 + 8, SwapStatus.RecordMagic | 0xF0F0F0F0F0F0F0F0UL | 0x0E0E0E0E0E0E0E0EUL);

        Assert.Equal(2u, Inspect(flash).Newest!.StepsDone);
    }

    [Theory]
    [InlineData("torn CRC", "CRC is not value|~value")]
    [InlineData("CRC mismatch", "CRC mismatch")]
    [InlineData("torn sequence", "sequence is not value|~value")]
    [InlineData("too many pages", "200 pages is more than the slot's 192")]
    [InlineData("other magic", "DW0 5045545350415753 is neither magic")]
    public void A_torn_or_wrong_descriptor_makes_its_area_invalid_and_the_older_one_stays_newest(string damage, string reason)
    {
        var flash = Erased();
        Area(flash, 0, SwapStatus.InstallMagic, sequence: 1, pages: 5, records: 10);
        Area(flash, 1, damage == "other magic" ? SwapStatus.RecordMagic : SwapStatus.RevertMagic, 2, damage == "too many pages" ? 200u : 5u, 0);
        var area1 = Map.SwapStatus!.Base + Map.SwapStatusAreaSize;
        switch (damage)
        {
            case "torn CRC": flash.Write(area1 + 24, [0xFF, 0xFF]); break;
            case "CRC mismatch":
                // A whole value|~value pair, but not the descriptor's CRC.
                DoubleWord(flash, area1 + 24, Whole(0x12345678));
                break;
            case "torn sequence": flash.Write(area1 + 8 + 4, [0xFF]); break;
        }

        var swap = Inspect(flash);

        Assert.False(swap.StatusAreas[1].Valid);
        Assert.Equal(reason, swap.StatusAreas[1].Invalid);
        Assert.Equal(0, swap.Newest!.Index);
    }

    [Fact]
    public async Task Info_on_a_whole_flash_binary_shows_the_slots_and_the_swap_status()
    {
        using var scratch = new ScratchDirectory();
        var flash = Erased();
        Put(flash, Image("1.0.0.1"), Map.Slot.Base);
        Put(flash, Image("2.0.0.0"), Map.Secondary!.Base);
        Mark(flash, Map.Secondary.Base, BootState.TrialSlot, BootState.TrialMagic);
        Area(flash, 0, SwapStatus.RevertMagic, sequence: 3, pages: 4, records: 2);
        var dump = scratch.File("flash.bin");
        File.WriteAllBytes(dump, flash.Read(Map.Flash.Base, (int)Map.Flash.Size, 0xFF));
        var settings = scratch.Write("swap.json", TestSettings.With("SlotMode", "swap"));
        var pem = scratch.Write("key.pem", key.PublicKeyPem);

        var result = await ExternalTool.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "stm32boot.dll"), "info", dump, "--settings", settings, "--key", pem], Repository.Root);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Contains("slots (SlotMode swap", result.StandardOutput);
        Assert.Contains($"  primary   0x08020000  1.0.0.1 accepted, signature: verifies with key {key.KeyIdText}; confirmed (no trial marker), 0 starts marked\n", result.StandardOutput);
        Assert.Contains("  secondary 0x08080800  2.0.0.0 accepted, signature: verifies with key " + key.KeyIdText + "; in trial, 0 starts marked, not confirmed; " +
                        "pending install: yes, it installs at the next reset\n", result.StandardOutput);
        Assert.Contains("  previous  0x08080000  empty (no image header)\n", result.StandardOutput);
        Assert.Matches(@"0\s*│\s*0x080E0800\s*│\s*yes\s*│\s*revert\s*│\s*3\s*│\s*4\s*│\s*2 / 4", result.StandardOutput);
        Assert.Contains("swap: the newest operation (area 0) is unfinished, the next reset resumes it at step 2", result.StandardOutput);
    }
}
