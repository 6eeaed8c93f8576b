namespace Stm32Boot.Uart;

/// <summary>
/// What flashing an image through the bootloader does, decided before the first byte goes out: which pages to
/// erase and which blocks to write, in which order.
/// <list type="bullet">
/// <item>Blocks come from 256-byte aligned windows, so none crosses a page, and are widened to whole flash double
/// words (filled with the erased value 0xFF), so no two blocks ever program the same double word.</item>
/// <item>Every page a block touches is erased, and the header page whenever the image changes: pages go in
/// ascending order, so the header page is erased first and the old application is invalid before any of its
/// image pages changes.</item>
/// <item>Image blocks go in ascending order and the header page's blocks last, so a transfer cut at any point
/// never leaves a new header over an old or partial image on a bootloader that writes every block straight to
/// flash, as ST's ROM bootloader does (AN3155 Write Memory programs at once).</item>
/// <item><see cref="WithHeaderFirst"/> sends the header page's blocks first instead, for this repository's
/// bootloader: it holds the header page in RAM and commits it only once the image in flash matches it, so a cut
/// transfer leaves no header either, and seeing the header first it refuses one it would never boot (unsigned,
/// unknown key, security counter below its minimum, another board) before a single image page changes.</item>
/// </list>
/// </summary>
public sealed class FlashPlan
{
    /// <summary>Blocks are widened to this: the STM32L4 programs flash in 64-bit double words, each once per erase.</summary>
    public const int DoubleWord = 8;

    private readonly IReadOnlyList<FlashBlock> _headerBlocks, _imageBlocks;

    private FlashPlan(IReadOnlyList<ushort> pages, IReadOnlyList<FlashBlock> headerBlocks, IReadOnlyList<FlashBlock> imageBlocks,
        uint pageSize, uint goAddress, bool headerFirst)
    {
        ErasePages = pages;
        _headerBlocks = headerBlocks;
        _imageBlocks = imageBlocks;
        Blocks = headerFirst ? [.. headerBlocks, .. imageBlocks] : [.. imageBlocks, .. headerBlocks];
        PageSize = pageSize;
        GoAddress = goAddress;
        HeaderFirst = headerFirst;
    }

    /// <summary>Global page numbers in ascending order (bank 2 continues bank 1's numbering, as AN3155 and stm32flash count).</summary>
    public IReadOnlyList<ushort> ErasePages { get; }

    /// <summary>Write Memory blocks in the order they are sent.</summary>
    public IReadOnlyList<FlashBlock> Blocks { get; }

    public uint PageSize { get; }

    /// <summary>The header page's blocks go before the image's (<see cref="WithHeaderFirst"/>); false: after them.</summary>
    public bool HeaderFirst { get; }

    /// <summary>Where Go starts the application: its vector table at the image base.</summary>
    public uint GoAddress { get; }

    public long EraseBytes => ErasePages.Count * (long)PageSize;

    public long WriteBytes => Blocks.Sum(block => (long)block.Data.Length);

    /// <param name="image">The bytes to flash.</param>
    /// <param name="map">Where the header and image lie.</param>
    /// <param name="sourceName">Names the image in error messages.</param>
    public static FlashPlan Create(MemoryImage image, MemoryMap map, string sourceName)
    {
        if (map.Flash.Size / map.PageSize > 0xFFF0)
            throw new Stm32BootException($"The memory map has {map.Flash.Size / map.PageSize} flash pages; AN3155 numbers pages with 16 bits (at most 65520).");
        if (image.IsEmpty)
            throw new Stm32BootException($"'{sourceName}' holds no bytes to flash.");
        var writable = new MemoryRegion("application header and image", map.Header.Base, (uint)(map.Flash.End - map.Header.Base));
        if (BytesOutside.Describe(image, writable, sourceName) is { } outside)
            throw new Stm32BootException($"{outside}; the bootloader writes only there. " +
                                         "Flash the stamped application (out/application.hex), not factory.hex or the bootloader.");

        var blocks = Windows(image).Select(window => Block(image, window)).ToList();
        var headerBlocks = blocks.Where(block => map.Header.Contains(block.Address)).ToList();
        var imageBlocks = blocks.Where(block => !map.Header.Contains(block.Address)).ToList();

        var pages = new SortedSet<ushort>(blocks.SelectMany(block => Pages(block, map)));
        if (imageBlocks.Count > 0)
            pages.Add(PageOf(map.Header.Base, map));
        return new FlashPlan([.. pages], headerBlocks, imageBlocks, map.PageSize, map.Image.Base, headerFirst: false);
    }

    /// <summary>The same pages and blocks, the header page's blocks first (in ascending order), then the image's: the
    /// order for a bootloader that stages the header page (<see cref="BootloaderInfo.StagesHeaderPage"/>). Erase
    /// pages stay ascending, the header page first.</summary>
    public FlashPlan WithHeaderFirst() => new(ErasePages, _headerBlocks, _imageBlocks, PageSize, GoAddress, headerFirst: true);

    /// <summary>The bases of the 256-byte aligned windows that hold at least one byte of the image.</summary>
    private static IEnumerable<uint> Windows(MemoryImage image)
    {
        const uint size = An3155.MaxBlockLength;
        var windows = new SortedSet<uint>();
        foreach (var segment in image.Segments)
            for (var window = (ulong)(segment.Address / size * size); window < segment.End; window += size)
                windows.Add((uint)window);
        return windows;
    }

    private static FlashBlock Block(MemoryImage image, uint window)
    {
        var present = image.Slice(window, window + (ulong)An3155.MaxBlockLength);
        var start = present.LowestAddress / DoubleWord * DoubleWord;
        var end = (present.EndAddress + DoubleWord - 1) / DoubleWord * DoubleWord;
        return new FlashBlock(start, image.Read(start, (int)(end - start), 0xFF));
    }

    private static IEnumerable<ushort> Pages(FlashBlock block, MemoryMap map)
    {
        for (var page = PageOf(block.Address, map); page <= PageOf((uint)(block.End - 1), map); page++)
            yield return page;
    }

    private static ushort PageOf(uint address, MemoryMap map) => (ushort)((address - map.Flash.Base) / map.PageSize);
}
