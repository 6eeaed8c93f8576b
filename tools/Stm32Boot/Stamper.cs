namespace Stm32Boot;

/// <summary>
/// The post-link step: fills image_size, image_crc32 and header_crc32 (and optionally fw_version) into the
/// header the application linked in, signs the image if asked to (the signature block after the header, see
/// <see cref="SignatureBlock"/>), and refuses inputs the bootloader would never accept for reasons the build can
/// see (no header, wrong magic or image address, bytes outside the application's regions).
/// </summary>
public static class Stamper
{
    public const string HeaderSectionName = ".image_header";

    /// <summary>Where an application reserves the signature block in its ELF (0xFF bytes right after the header), so
    /// that the stamped ELF holds the block too and a debugger loads the same bytes as the HEX.</summary>
    public const string SignatureSectionName = ".image_signature";

    /// <param name="inputPath">An application ELF, or a HEX file that holds the header at the header base.</param>
    /// <param name="settings">Memory map and board id the image is stamped for.</param>
    /// <param name="version">Replaces the fw_version the application was built with.</param>
    /// <param name="signing">Signs the image; null stamps it unsigned.</param>
    public static StampResult Stamp(string inputPath, BuildSettings settings, FirmwareVersion? version = null, ImageSigning? signing = null)
    {
        var map = settings.MemoryMap;
        var input = FirmwareFile.Load(inputPath);
        long? headerFileOffset = null;
        ElfSection? signatureSection = null;
        switch (input.Format)
        {
            case FirmwareFormat.Elf:
                headerFileOffset = HeaderSection(input.Elf!, map).FileOffset;
                signatureSection = SignatureSection(input.Elf!, map, signing);
                break;
            case FirmwareFormat.IntelHex:
                if (!input.Image.TryRead(map.Header.Base, new byte[ImageHeader.Size]))
                    throw new Stm32BootException($"'{inputPath}' has no complete {ImageHeader.Size}-byte header at {HexNumber.Format(map.Header.Base)}; " +
                                                 "stamp the application's own HEX (or its ELF), which holds the unstamped header there, " +
                                                 "or add the header with --add-header.");
                break;
            default:
                throw new Stm32BootException($"'{inputPath}': stamp takes the application's ELF or HEX file, not a raw binary (which --add-header takes).");
        }

        RequireOnlyHeaderAndImage(input.Image, map, inputPath);
        var header = ImageHeader.Parse(input.Image.Read(map.Header.Base, ImageHeader.Size, 0xFF));
        RequireUnstampedHeaderFits(header, settings, inputPath);
        return Fill(input, header with { FwVersion = version ?? header.FwVersion }, map, signing, headerFileOffset, signatureSection);
    }

    /// <summary>
    /// <c>stamp --add-header</c>: for an application that links nothing into the header page (an existing STM32CubeMX
    /// project whose FLASH region was only moved to the image base, docs/your-application.md). Writes the whole
    /// header here — magic, versions, image_addr and board_id from the settings — then fills and signs it as
    /// <see cref="Stamp"/> does. The stamped output is HEX and BIN only: an ELF without the header section has no
    /// bytes a stamped ELF could hold the header in.
    /// </summary>
    /// <param name="inputPath">ELF, HEX, or a raw binary of the image (read from the image base unless named FILE@ADDRESS).</param>
    /// <param name="version">The header's fw_version; default the settings' Version, as image_header.c takes it.</param>
    public static StampResult StampAddingHeader(string inputPath, BuildSettings settings, FirmwareVersion? version = null, ImageSigning? signing = null)
    {
        var map = settings.MemoryMap;
        var input = FirmwareFile.Load(inputPath, binaryBase: map.Image.Base);
        if (input.Elf is { } elf)
            input = input with { Image = WithoutBytesOfNoSection(elf, input.Image, map.Header) };
        if (input.Image.IsEmpty)
            throw new Stm32BootException($"'{inputPath}' holds no bytes; the vector table belongs at {HexNumber.Format(map.Image.Base)}.");

        var inHeaderPage = input.Image.Slice(map.Header);
        if (!inHeaderPage.IsEmpty)
            throw new Stm32BootException($"'{inputPath}' already has {inHeaderPage.ByteCount} bytes in the header page {map.Header}, " +
                                         $"the first at {HexNumber.Format(inHeaderPage.LowestAddress)}; --add-header is for an application " +
                                         "with nothing there: stamp one that links its own header (section .image_header) without --add-header.");
        if (input.Image.LowestAddress != map.Image.Base)
            throw new Stm32BootException($"'{inputPath}' starts at {HexNumber.Format(input.Image.LowestAddress)}, but the image must start " +
                                         $"at {HexNumber.Format(map.Image.Base)} with its vector table: link the application's FLASH region " +
                                         $"at ORIGIN = {HexNumber.Format(map.Image.Base)} (docs/your-application.md).");
        RequireOnlyHeaderAndImage(input.Image, map, inputPath);

        var header = new ImageHeader
        {
            Magic = ImageHeader.ExpectedMagic.ToArray(),
            HeaderVersion = ImageHeader.CurrentHeaderVersion,
            HeaderSize = ImageHeader.Size,
            FwVersion = version ?? settings.Version,
            ImageAddr = map.Image.Base,
            ImageSize = 0,
            ImageCrc32 = 0,
            BoardId = settings.BoardId,
            Flags = 0,
            Reserved = new byte[ImageHeader.ReservedLength],
            HeaderCrc32 = 0,
        };
        return Fill(input, header, map, signing, headerFileOffset: null, signatureSection: null);
    }

    // GNU ld puts the ELF file header and program headers into the first loadable segment when they fit between its
    // page-aligned start and its first section: an image linked at the image base with nothing before it gets them in
    // the header page (0x94 bytes of them, then zeros up to the vector table). No section holds them, they are no part
    // of the application, and the stamped files leave them out.
    private static MemoryImage WithoutBytesOfNoSection(ElfImage elf, MemoryImage memory, MemoryRegion page)
    {
        var kept = new MemoryImage();
        var outside = memory.Slice(0, page.Base).Segments.Concat(memory.Slice(page.End, 1UL << 32).Segments);
        var ofSections = elf.Sections
            .Where(section => section.HasFileBytes && section.Size > 0 && section.Address < page.End && section.Address + (ulong)section.Size > page.Base)
            .SelectMany(section => memory.Slice(Math.Max(section.Address, page.Base), Math.Min(section.Address + (ulong)section.Size, page.End)).Segments);
        foreach (var segment in outside.Concat(ofSections))
            kept.Write(segment.Address, segment.Data);
        return kept;
    }

    // Sizes, CRCs and signature into a header that fits the settings, over the input's image.
    private static StampResult Fill(FirmwareFile input, ImageHeader header, MemoryMap map, ImageSigning? signing,
                                    long? headerFileOffset, ElfSection? signatureSection)
    {
        var inputPath = input.Path;
        var imageBytes = input.Image.Slice(map.Image);
        if (imageBytes.IsEmpty)
            throw new Stm32BootException($"'{inputPath}' has no bytes in the image region {map.Image}; the vector table belongs at {HexNumber.Format(map.Image.Base)}.");
        var imageSize = (uint)(imageBytes.EndAddress - map.Image.Base);
        // Gaps inside the image are filled with the erased value so that the CRC covers exactly what any loader
        // programs, even one that only erases the pages it writes.
        var image = input.Image.Read(map.Image.Base, (int)imageSize, 0xFF);

        var filled = header with
        {
            ImageSize = imageSize,
            ImageCrc32 = ImageCrc.Compute(image),
            Flags = signing is null ? header.Flags & ~SignatureBlock.SignedFlag : header.Flags | SignatureBlock.SignedFlag,
        };
        var stamped = filled with { HeaderCrc32 = filled.ComputeHeaderCrc() };
        byte[] block = signing is null ? [] : ImageSignature.Sign(stamped, image, signing.Key, signing.SecurityCounter);

        // The signature area as the input reserved it (0xFF bytes), now holding the block, erased after it.
        var signatureBase = map.Header.Base + SignatureBlock.Offset;
        var reserved = input.Image.Slice(signatureBase, map.Header.Base + (ulong)SignatureBlock.AreaEnd);
        var areaLength = Math.Max(block.Length, reserved.IsEmpty ? 0 : (int)(reserved.EndAddress - signatureBase));

        var output = new MemoryImage();
        output.Write(map.Header.Base, stamped.ToBytes());
        if (areaLength > 0)
            output.Write(signatureBase, [.. block, .. Enumerable.Repeat((byte)0xFF, areaLength - block.Length)]);
        output.Write(map.Image.Base, image);
        return new StampResult(inputPath, map, stamped, output, input.StartAddress, headerFileOffset, signatureSection);
    }

    private static ElfSection HeaderSection(ElfImage elf, MemoryMap map)
    {
        var section = elf.FindSection(HeaderSectionName)
                      ?? throw new Stm32BootException($"'{elf.FileName}' has no {HeaderSectionName} section; the application must place its image_header_t " +
                                                      $"in section {HeaderSectionName} at {HexNumber.Format(map.Header.Base)} (APP_HEADER in memory.ld), " +
                                                      "or be stamped with --add-header, which writes the whole header.");
        if (!section.HasFileBytes || section.Size != ImageHeader.Size)
            throw new Stm32BootException($"'{elf.FileName}': section {HeaderSectionName} must hold the {ImageHeader.Size}-byte image_header_t, " +
                                         $"but it has {(section.HasFileBytes ? section.Size : 0)} bytes of content.");
        if (section.Address != map.Header.Base)
            throw new Stm32BootException($"'{elf.FileName}': section {HeaderSectionName} is at {HexNumber.Format(section.Address)}, " +
                                         $"but the memory map puts the header at {HexNumber.Format(map.Header.Base)}; link with the generated memory.ld.");
        return section;
    }

    // Optional for an unsigned stamp; a signed one needs room for the block in the ELF it writes.
    private static ElfSection? SignatureSection(ElfImage elf, MemoryMap map, ImageSigning? signing)
    {
        var section = elf.FindSection(SignatureSectionName);
        var reserve = $"reserve {SignatureBlock.StampedSize} bytes of 0xFF right after the header in section {SignatureSectionName} " +
                      "(as application/src/image_header.c does), or stamp the application's HEX instead";
        if (section is null)
            return signing is null ? null
                : throw new Stm32BootException($"'{elf.FileName}' has no {SignatureSectionName} section, so the stamped ELF could not hold the signature block; {reserve}.");
        if (section.Address != map.Header.Base + SignatureBlock.Offset)
            throw new Stm32BootException($"'{elf.FileName}': section {SignatureSectionName} is at {HexNumber.Format(section.Address)}, " +
                                         $"but the signature block starts right after the header, at {HexNumber.Format(map.Header.Base + SignatureBlock.Offset)}.");
        if (!section.HasFileBytes || (signing is not null && section.Size < SignatureBlock.StampedSize))
            throw new Stm32BootException($"'{elf.FileName}': section {SignatureSectionName} holds {(section.HasFileBytes ? section.Size : 0)} bytes of content, " +
                                         $"too few for the {SignatureBlock.StampedSize}-byte signature block; {reserve}.");
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

        // The signature area may be reserved as erased bytes (the stamp writes the block there); nothing else may be.
        var signatureArea = new MemoryRegion("signature area", map.Header.Base + SignatureBlock.Offset, SignatureBlock.AreaSize);
        var stray = memory.Slice(map.Header.Base + ImageHeader.Size, map.Header.End).Segments
            .SelectMany(segment => segment.Data.Select((value, i) => (Address: segment.Address + (uint)i, Value: value)))
            .Where(b => !signatureArea.Contains(b.Address) || b.Value != 0xFF)
            .ToList();
        if (stray.Count > 0)
            throw new Stm32BootException($"'{inputPath}' has {stray.Count} bytes in the header page after the {ImageHeader.Size}-byte header, " +
                                         $"the first at {HexNumber.Format(stray[0].Address)}; the rest of the header page must stay erased " +
                                         $"(an application may reserve {HexNumber.Format(signatureArea.Base)}–{HexNumber.Format(signatureArea.Last)} as 0xFF " +
                                         "for the signature block the stamp writes).");
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
