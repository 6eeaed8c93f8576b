namespace Stm32Boot;

/// <summary>
/// The post-link step: fills image_size, image_crc32 and header_crc32 (and optionally fw_version) into the
/// header the application linked in, and refuses inputs the bootloader would never accept for reasons the
/// build can see (no header, wrong magic or image address, bytes outside the application's regions).
/// </summary>
public static class Stamper
{
    public const string HeaderSectionName = ".image_header";

    /// <param name="inputPath">An application ELF, or a HEX file that holds the header at the header base.</param>
    /// <param name="settings">Memory map and board id the image is stamped for.</param>
    /// <param name="version">Replaces the fw_version the application was built with.</param>
    public static StampResult Stamp(string inputPath, BuildSettings settings, FirmwareVersion? version = null)
    {
        var map = settings.MemoryMap;
        var input = FirmwareFile.Load(inputPath);
        long? headerFileOffset = null;
        switch (input.Format)
        {
            case FirmwareFormat.Elf:
                headerFileOffset = HeaderSection(input.Elf!, map).FileOffset;
                break;
            case FirmwareFormat.IntelHex:
                if (!input.Image.TryRead(map.Header.Base, new byte[ImageHeader.Size]))
                    throw new Stm32BootException($"'{inputPath}' has no complete {ImageHeader.Size}-byte header at {HexNumber.Format(map.Header.Base)}; " +
                                                 "stamp the application's own HEX (or its ELF), which holds the unstamped header there.");
                break;
            default:
                throw new Stm32BootException($"'{inputPath}': stamp takes the application's ELF or HEX file, not a raw binary.");
        }

        RequireOnlyHeaderAndImage(input.Image, map, inputPath);
        var header = ImageHeader.Parse(input.Image.Read(map.Header.Base, ImageHeader.Size, 0xFF));
        RequireUnstampedHeaderFits(header, settings, inputPath);

        var imageBytes = input.Image.Slice(map.Image);
        if (imageBytes.IsEmpty)
            throw new Stm32BootException($"'{inputPath}' has no bytes in the image region {map.Image}; the vector table belongs at {HexNumber.Format(map.Image.Base)}.");
        var imageSize = (uint)(imageBytes.EndAddress - map.Image.Base);
        // Gaps inside the image are filled with the erased value so that the CRC covers exactly what any loader
        // programs, even one that only erases the pages it writes.
        var image = input.Image.Read(map.Image.Base, (int)imageSize, 0xFF);

        var filled = header with
        {
            FwVersion = version ?? header.FwVersion,
            ImageSize = imageSize,
            ImageCrc32 = ImageCrc.Compute(image),
        };
        var stamped = filled with { HeaderCrc32 = filled.ComputeHeaderCrc() };

        var output = new MemoryImage();
        output.Write(map.Header.Base, stamped.ToBytes());
        output.Write(map.Image.Base, image);
        return new StampResult(inputPath, map, stamped, output, input.StartAddress, headerFileOffset);
    }

    private static ElfSection HeaderSection(ElfImage elf, MemoryMap map)
    {
        var section = elf.FindSection(HeaderSectionName)
                      ?? throw new Stm32BootException($"'{elf.FileName}' has no {HeaderSectionName} section; the application must place its image_header_t " +
                                                      $"in section {HeaderSectionName} at {HexNumber.Format(map.Header.Base)} (APP_HEADER in memory.ld).");
        if (!section.HasFileBytes || section.Size != ImageHeader.Size)
            throw new Stm32BootException($"'{elf.FileName}': section {HeaderSectionName} must hold the {ImageHeader.Size}-byte image_header_t, " +
                                         $"but it has {(section.HasFileBytes ? section.Size : 0)} bytes of content.");
        if (section.Address != map.Header.Base)
            throw new Stm32BootException($"'{elf.FileName}': section {HeaderSectionName} is at {HexNumber.Format(section.Address)}, " +
                                         $"but the memory map puts the header at {HexNumber.Format(map.Header.Base)}; link with the generated memory.ld.");
        return section;
    }

    private static void RequireOnlyHeaderAndImage(MemoryImage memory, MemoryMap map, string inputPath)
    {
        var beyond = memory.Slice(map.Image.End, 1UL << 32);
        if (!beyond.IsEmpty)
            throw new Stm32BootException($"'{inputPath}': the image overflows its region {map.Image}: it has {beyond.ByteCount} bytes " +
                                         $"from {HexNumber.Format(beyond.LowestAddress)} on; make the application smaller.");

        var below = memory.Slice(0, map.Header.Base);
        if (!below.IsEmpty)
            throw new Stm32BootException($"'{inputPath}' has {below.ByteCount} bytes outside the application header and image " +
                                         $"({HexNumber.Format(map.Header.Base)}–{HexNumber.Format(map.Image.Last)}), the first at {HexNumber.Format(below.LowestAddress)}; " +
                                         "an application links only into APP_HEADER and APP_IMAGE.");

        var restOfHeaderPage = memory.Slice(map.Header.Base + ImageHeader.Size, map.Header.End);
        if (!restOfHeaderPage.IsEmpty)
            throw new Stm32BootException($"'{inputPath}' has {restOfHeaderPage.ByteCount} bytes in the header page after the {ImageHeader.Size}-byte header, " +
                                         $"the first at {HexNumber.Format(restOfHeaderPage.LowestAddress)}; the rest of the header page must stay erased.");
    }

    private static void RequireUnstampedHeaderFits(ImageHeader header, BuildSettings settings, string inputPath)
    {
        var map = settings.MemoryMap;
        var where = $"'{inputPath}': header at {HexNumber.Format(map.Header.Base)}";
        if (!header.HasExpectedMagic)
            throw new Stm32BootException($"{where} has magic {header.MagicText}, not 'L4AP'; is {HeaderSectionName} the application's image_header_t?");
        if (header.HeaderVersion != ImageHeader.CurrentHeaderVersion)
            throw new Stm32BootException($"{where} has header_version {header.HeaderVersion}; this tool stamps version {ImageHeader.CurrentHeaderVersion}.");
        if (header.HeaderSize != ImageHeader.Size)
            throw new Stm32BootException($"{where} has header_size {header.HeaderSize}, not {ImageHeader.Size}.");
        if (header.ImageAddr != map.Image.Base)
            throw new Stm32BootException($"{where} has image_addr {HexNumber.Format(header.ImageAddr)}, but the memory map's image starts at " +
                                         $"{HexNumber.Format(map.Image.Base)} ({settings.SourceName}); rebuild the application with the generated memory map.");
        if (header.BoardId != settings.BoardId)
            throw new Stm32BootException($"{where} has board_id {HexNumber.Format(header.BoardId)}, but {settings.SourceName} says BoardId " +
                                         $"{HexNumber.Format(settings.BoardId)}; the bootloader would refuse it. Rebuild with the same settings.");
    }
}
