using System.Buffers.Binary;

namespace Stm32Boot;

/// <summary>
/// The boot-attempt state at the end of an application header page, as bootloader/core/boot_state.h lays it out (that
/// header is the source; BootStateLayoutMatchesCTests compares these constants with it): a trial marker, start marks
/// and confirm marks, one flash double word each, each programmed at most once after the page is erased.
/// </summary>
public static class BootState
{
    /// <summary>BOOT_STATE_OFFSET: from the header page's start, right where the signature block's area ends.</summary>
    public const int Offset = SignatureBlock.AreaEnd;
    public const int Size = 0x80;
    public const int DoubleWord = 8;
    public const int TrialSlot = 0;
    public const int FirstStart = 1;
    public const int FirstConfirm = 8;
    public const int MaxAttempts = 7;

    public const ulong TrialMagic = 0x214C41495254344CUL;
    public const ulong StartMagic = 0x215452415453344CUL;
    public const ulong ConfirmMagic = 0x4D52464E4F43344CUL;

    private const ulong Erased = ulong.MaxValue;

    /// <summary>The state in the header page at <paramref name="headerAddress"/>, read as boot_state_read() reads it: a
    /// double word counts as programmed when any bit is 0 (a mark cut short counts), a confirmation only when it is
    /// exactly the confirm magic. Bytes the dump lacks read as erased.</summary>
    public static BootStateInfo Read(MemoryImage memory, uint headerAddress)
    {
        ulong Slot(int slot) => BinaryPrimitives.ReadUInt64LittleEndian(memory.Read(headerAddress + (uint)(Offset + slot * DoubleWord), DoubleWord, 0xFF));

        var marker = Slot(TrialSlot) != Erased;
        var starts = 0;
        int? confirmedInStart = null;
        for (var k = 0; k < MaxAttempts; k++)
        {
            if (Slot(FirstStart + k) != Erased)
                starts++;
            if (confirmedInStart is null && Slot(FirstConfirm + k) == ConfirmMagic)
                confirmedInStart = k;
        }
        return new BootStateInfo(marker, starts, confirmedInStart);
    }
}

/// <param name="TrialMarker">Double word 0 is programmed: the image was installed by the bootloader (or its install requested).</param>
/// <param name="Starts">Start marks programmed, cut ones included.</param>
/// <param name="ConfirmedInStart">The start (from 0) whose confirm mark reads the confirm magic; null when none does.</param>
public sealed record BootStateInfo(bool TrialMarker, int Starts, int? ConfirmedInStart)
{
    /// <summary>In trial: the marker is programmed and no confirmation reads whole (boot_state_t.trial).</summary>
    public bool Trial => TrialMarker && ConfirmedInStart is null;

    public override string ToString() =>
        !TrialMarker ? $"confirmed (no trial marker), {Starts} start{(Starts == 1 ? "" : "s")} marked"
        : ConfirmedInStart is { } k ? $"confirmed in start {k + 1}, {Starts} start{(Starts == 1 ? "" : "s")} marked"
        : $"in trial, {Starts} start{(Starts == 1 ? "" : "s")} marked, not confirmed";
}
