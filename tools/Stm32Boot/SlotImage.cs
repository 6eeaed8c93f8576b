using Stm32Boot.Uart;

namespace Stm32Boot;

/// <summary>
/// What the application's `receive` command takes (application/src/update_slot.h): the slot image, the bytes from the
/// header page (MemoryMap.Header) to the end of the image as linked for the primary slot, gaps as erased flash (0xFF),
/// padded with <see cref="Xmodem.Pad"/> to whole 1 KB XMODEM blocks. It must fit <see cref="MemoryMap.Slot"/>
/// (MM_SLOT_SIZE: the header page and the image region), which the padding never leaves: a slot is whole pages.
/// </summary>
public sealed record SlotImage(MemoryRegion Slot, byte[] Bytes, int DataLength)
{
    /// <param name="image">A stamped application (HEX, ELF or BIN).</param>
    /// <param name="map">The memory map it was linked for.</param>
    /// <param name="sourceName">Names the file in error messages.</param>
    public static SlotImage Create(MemoryImage image, MemoryMap map, string sourceName)
    {
        var slot = map.Slot;
        if (image.IsEmpty)
            throw new Stm32BootException($"'{sourceName}' holds no bytes to send.");
        if (image.LowestAddress < slot.Base || image.EndAddress > slot.End)
            throw new Stm32BootException($"'{sourceName}' does not fit the slot: its bytes lie at {HexNumber.Format(image.LowestAddress)}–" +
                                         $"{HexNumber.Format((uint)(image.EndAddress - 1))}, beyond the {slot} ({slot.Size / 1024} KB).");
        var length = (int)(image.EndAddress - slot.Base);
        var padded = (length + Xmodem.BlockSize - 1) / Xmodem.BlockSize * Xmodem.BlockSize;
        if ((ulong)slot.Base + (ulong)padded > slot.End)
            throw new Stm32BootException($"'{sourceName}': its last 1 KB block would end past the slot {slot}; the slot size must be whole KB.");
        var bytes = new byte[padded];
        image.Read(slot.Base, length, 0xFF).CopyTo(bytes, 0);
        bytes.AsSpan(length).Fill(Xmodem.Pad);
        return new SlotImage(slot, bytes, length);
    }
}
