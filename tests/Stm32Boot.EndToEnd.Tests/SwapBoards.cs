using System.Globalization;
using System.Text.RegularExpressions;
using Stm32Boot.VirtualBoard;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// SlotMode "swap" on the virtual board (docs/design.md §10): the swap variant's build (out/variants/swap/), the
/// bootloader's swap lines (bootloader/src/slot_boot.c), the slot report in RTC_BKP6R, and the slots and swap status
/// areas as `stm32boot info` reads them from the board's flash (<see cref="SlotInspector"/>).
/// </summary>
public static partial class SwapBoards
{
    public static BuildOutput Build => BuildOutput.Swap;
    public static MemoryMap Map => Build.Map;
    public static uint Attempts => Build.Settings.BootAttempts;

    /// <summary>The version on the board before an update, and the one the update brings.</summary>
    public static readonly FirmwareVersion Old = UpdateImages.Old, New = UpdateImages.New;

    /// <summary>The swap bootloader with the demo application stamped as <see cref="Old"/>, as a programmer leaves it: no
    /// trial marker, so it counts as confirmed. Stamped once (an ECDSA signature differs at every signing), so
    /// <see cref="OldApplication"/> is byte for byte what every board starts with.</summary>
    public static MemoryImage Factory() => LazyFactory.Value.Slice(0, ulong.MaxValue);

    /// <summary>The application of <see cref="Factory"/>: header page and image.</summary>
    public static MemoryImage OldApplication => LazyFactory.Value.Slice(Map.Slot);

    private static readonly Lazy<MemoryImage> LazyFactory = new(() => Build.FactoryWith(Old));

    /// <summary>The swap variant's demo application stamped as version and signed as the build signs it.</summary>
    public static MemoryImage Application(FirmwareVersion version) => UpdateImages.Application(version, Build);

    public static string Boots(FirmwareVersion version) => UsbUpdates.BootsVersion(version, Build);

    public static string Installing(FirmwareVersion incoming, FirmwareVersion kept, uint pages) =>
        $"swap: installing {incoming} over {kept}, {pages} pages";

    public static string Reverting(FirmwareVersion failed, FirmwareVersion back) =>
        $"revert: {failed} not confirmed after {Attempts} starts, back to {back}";

    public static string Trial(uint start) => $"trial: start {start} of {Attempts}, not confirmed yet";

    [GeneratedRegex(@"^swap: install done in \d+ ms$")]
    public static partial Regex InstallDone();

    [GeneratedRegex(@"^swap: revert done in \d+ ms$")]
    public static partial Regex RevertDone();

    /// <summary>Every line slot_boot.c prints starts with one of these.</summary>
    public static bool IsSlotLine(string line) =>
        line.StartsWith("swap: ", StringComparison.Ordinal) || line.StartsWith("revert: ", StringComparison.Ordinal);

    /// <summary>Pages a swap moves for this image (slot_swap.h: the header page and the image's pages).</summary>
    public static uint Pages(MemoryImage image) =>
        1 + (ImageVariants.ReadHeader(image, Build).ImageSize + Map.PageSize - 1) / Map.PageSize;

    /// <summary>An install moves the larger of the two images' pages.</summary>
    public static uint InstallPages(MemoryImage incoming, MemoryImage kept) => Math.Max(Pages(incoming), Pages(kept));

    /// <summary>A swap of the whole 382 KB slot takes ~30 s of the board's time (two page erases and copies per page,
    /// DS10969 Table 48: 22 ms per erase and 82 µs per double word); the images here take far less.</summary>
    public static readonly ulong SwapTimeoutPs = 40 * Board.Second;

    /// <summary>Runs to the next verdict ("boot: " or "stay: ") and returns the lines from the one after the current
    /// last line to it: the banner, the swap lines, the verdict.</summary>
    public static List<string> NextBoot(this Board board) => board.NextBoot(board.Uart.Lines.Count);

    public static List<string> NextBoot(this Board board, int fromLine)
    {
        var verdict = board.RunUntilLine("^(boot|stay): ", SwapTimeoutPs, fromLine);
        return board.Uart.Lines.Skip(fromLine).TakeWhile(l => !ReferenceEquals(l, verdict)).Select(l => l.Text).Append(verdict.Text).ToList();
    }

    /// <summary>RTC_BKP6R: what the bootloader did with the slots at the last reset.</summary>
    public static uint SlotReport(this Board board) => board.Peripherals.RtcBackup[SlotReports.Index];

    /// <summary>The whole main flash array as it is now, from 0x08000000.</summary>
    public static MemoryImage FlashImage(this Board board)
    {
        var image = new MemoryImage();
        image.Write(Machine.FlashBase, board.Machine.Flash);
        return image;
    }

    /// <summary>The slots and status areas of the board's flash as `stm32boot info` reports them.</summary>
    public static SwapInspection Inspect(this Board board) => Inspect(board.FlashImage());

    public static SwapInspection Inspect(MemoryImage flash) =>
        SlotInspector.Inspect(flash, Map, Build.Settings.BoardId, Build.SigningKey, Build.Settings.RequireSignature);

    public static SlotInspection Primary(this SwapInspection inspection) => inspection.Slots.Single(s => s.Name == "primary");
    public static SlotInspection Secondary(this SwapInspection inspection) => inspection.Slots.Single(s => s.Name == "secondary");
    public static SlotInspection Previous(this SwapInspection inspection) => inspection.Slots.Single(s => s.Name == "previous");

    /// <summary>The slot holds a whole image the bootloader accepts at the primary addresses (every acceptance check,
    /// image CRC included, and the signature) of this version.</summary>
    public static void AssertHolds(SlotInspection slot, FirmwareVersion version)
    {
        Assert.True(slot.Image.Accepted, $"the {slot.Name} slot fails " +
            string.Join(", ", slot.Image.Checks.Where(c => !c.Passed).Select(c => $"{c.Name} ({c.Detail})")));
        Assert.Equal(SignatureStatus.Ok, slot.Signature?.Status);
        Assert.Equal(version, slot.Image.Header!.FwVersion);
    }

    /// <summary>The image's header page (up to the boot state, which is the bootloader's) and image bytes, exactly, in
    /// the slot at slotBase.</summary>
    public static void AssertBytes(Board board, uint slotBase, MemoryImage image)
    {
        var header = ImageVariants.ReadHeader(image, Build);
        var at = slotBase - Map.Header.Base;
        Assert.True(image.Read(Map.Header.Base, BootState.Offset, 0xFF).AsSpan()
            .SequenceEqual(board.Machine.ReadMemory(Map.Header.Base + at, BootState.Offset)), $"header page at 0x{slotBase:X8} differs");
        Assert.True(image.Read(Map.Image.Base, (int)header.ImageSize, 0xFF).AsSpan()
            .SequenceEqual(board.Machine.ReadMemory(Map.Image.Base + at, (int)header.ImageSize)), $"image at 0x{Map.Image.Base + at:X8} differs");
    }

    /// <summary>The flash as it stood, with the OTP area (the anti-rollback minimum): a board to start again from it.</summary>
    public sealed record Snapshot(byte[] Flash, byte[] Otp)
    {
        public static Snapshot Of(Board board) => new(board.Machine.Flash.ToArray(), board.Otp);

        /// <summary>A board not yet powered on, holding this.</summary>
        public Board Load()
        {
            var board = new Board();
            board.Machine.LoadFlash(Machine.FlashBase, Flash);
            for (var offset = 0; offset < Otp.Length; offset += 8)
                if (BitConverter.ToUInt64(Otp, offset) != ulong.MaxValue)
                    board.ProgramOtp(Machine.OtpBase + (uint)offset, Otp.AsSpan(offset, 8));
            return board;
        }
    }
}

/// <summary>RTC_BKP6R's index and values, read from platform/include/boot_request.h, their one definition.</summary>
public static partial class SlotReports
{
    private static readonly Lazy<Dictionary<string, uint>> Defines = new(() =>
        Define().Matches(File.ReadAllText(Path.Combine(Shipped.Root, "platform", "include", "boot_request.h")))
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.StartsWith("0x", StringComparison.Ordinal)
                ? uint.Parse(m.Groups[2].Value[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
                : uint.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)));

    public static int Index => (int)Value("SLOT_REPORT_BKP_INDEX");
    public static uint Installed => Value("SLOT_REPORT_INSTALLED");
    public static uint Reverted => Value("SLOT_REPORT_REVERTED");

    private static uint Value(string name) =>
        Defines.Value.TryGetValue(name, out var value) ? value : throw new InvalidOperationException($"boot_request.h defines no {name}");

    [GeneratedRegex(@"^#define\s+(SLOT_REPORT_\w+)\s+(0x[0-9A-Fa-f]+|\d+)u?\b", RegexOptions.Multiline)]
    private static partial Regex Define();
}
