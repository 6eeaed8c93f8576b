namespace Stm32Boot;

/// <summary>
/// The slots of a whole-flash dump in SlotMode swap (a `.bin` read from the flash base, a HEX, or an `emulate --flash`
/// file): for the primary, the secondary and the previous slot, the image header, the bootloader's acceptance checks
/// and signature as the bootloader sees them through its slot port (the slot's bytes at the primary addresses,
/// bootloader/core/slot_port.h), the boot state, and whether the secondary holds a pending install; and the swap
/// status areas.
/// </summary>
public static class SlotInspector
{
    /// <param name="requireSignature">RequireSignature of the settings: an unsigned image is then refused.</param>
    public static SwapInspection Inspect(MemoryImage flash, MemoryMap map, uint boardId, SigningKey? key, bool requireSignature)
    {
        if (map.SlotMode != SlotMode.Swap)
            throw new ArgumentException("The slots are inspected in SlotMode swap only.", nameof(map));
        var slots = new[]
        {
            Slot("primary", map.Slot.Base, flash, map, boardId, key, requireSignature, pendingRule: false),
            Slot("secondary", map.Secondary!.Base, flash, map, boardId, key, requireSignature, pendingRule: true),
            Slot("previous", map.Previous!.Base, flash, map, boardId, key, requireSignature, pendingRule: false),
        };
        var areas = SwapStatus.Read(flash, map);
        return new SwapInspection(slots, areas, SwapStatus.Newest(areas));
    }

    /// <summary>The slot's bytes moved to the primary slot's addresses, as slot_port lets the bootloader see them.</summary>
    public static MemoryImage AtPrimary(MemoryImage flash, MemoryMap map, uint slotBase)
    {
        var view = new MemoryImage();
        foreach (var segment in flash.Slice(slotBase, (ulong)slotBase + map.Slot.Size).Segments)
            view.Write(segment.Address - slotBase + map.Slot.Base, segment.Data);
        return view;
    }

    private static SlotInspection Slot(string name, uint slotBase, MemoryImage flash, MemoryMap map, uint boardId, SigningKey? key, bool requireSignature, bool pendingRule)
    {
        var view = AtPrimary(flash, map, slotBase);
        var inspection = ImageInspector.Inspect(view, map, boardId);
        SignatureInspection? signature = null;
        if (inspection.Header is { } header && header.ImageSize >= ImageInspector.MinImageSize && header.ImageSize <= map.Image.Size)
            signature = ImageSignature.Inspect(view, map, header, key);
        var state = BootState.Read(flash, slotBase);
        // slot_swap's pending install: the trial marker requests it, and only an image the bootloader would accept
        // (checks and signature) is installed; a refused request is consumed at the next reset.
        var signatureOk = signature is { Status: SignatureStatus.Ok } || signature is { Status: SignatureStatus.Unsigned } && !requireSignature;
        bool? pending = pendingRule ? state.TrialMarker && inspection.Accepted && signatureOk : null;
        return new SlotInspection(name, slotBase, inspection, signature, state, pending);
    }
}

/// <param name="Pending">Secondary only: whether it holds a pending install (trial marker programmed and the image accepted).</param>
public sealed record SlotInspection(string Name, uint Base, ImageInspection Image, SignatureInspection? Signature, BootStateInfo BootState, bool? Pending)
{
    public bool Empty => Image.Header is null;
}

public sealed record SwapInspection(IReadOnlyList<SlotInspection> Slots, IReadOnlyList<SwapStatusArea> StatusAreas, SwapStatusArea? Newest);
