using Xunit;

namespace Stm32Boot.Tests;

/// <summary>
/// What `./build.sh` ships, checked the way a user would before programming a board: the sections land where the
/// memory map says, the factory image holds both images unchanged, and the stamped header verifies with an
/// independent CRC-32 (Python's zlib) over the image bytes. The Test task builds out/ first.
/// </summary>
public class ShippedImagesTests
{
    // The settings the build actually used (the defaults, or the overrides it was given).
    private static readonly BuildSettings Settings = BuildSettings.Load(Shipped("settings.effective.json"));
    private static readonly MemoryMap Map = Settings.MemoryMap;

    private static string Shipped(string name)
    {
        var outDir = Environment.GetEnvironmentVariable("BOOT_OUT_DIR") ?? Repository.Path("out");
        var path = Path.Combine(outDir, name);
        Assert.True(File.Exists(path), $"{path} is missing: run ./build.sh (the Test target builds it first).");
        return path;
    }

    [Fact]
    public void Application_header_and_vector_table_sit_where_the_memory_map_says()
    {
        var elf = ElfImage.Load(Shipped("application.elf"));

        var header = elf.FindSection(".image_header");
        Assert.NotNull(header);
        Assert.Equal(Map.Header.Base, header.Address);
        Assert.Equal((uint)ImageHeader.Size, header.Size);

        var vectors = elf.FindSection(".isr_vector");
        Assert.NotNull(vectors);
        Assert.Equal(Map.Image.Base, vectors.Address);

        foreach (var segment in elf.Memory.Segments)
            Assert.True(Map.Header.Contains(segment.Address) && segment.Address + (ulong)segment.Data.Length <= Map.Header.End
                        || Map.Image.Contains(segment.Address) && segment.Address + (ulong)segment.Data.Length <= Map.Image.End,
                $"application bytes at {HexNumber.Format(segment.Address)} (+{segment.Data.Length}) lie outside the header and image regions");
    }

    /// <summary>The link's ELF and the HEX made from it are the same image: stamped, both give the same header (image
    /// CRC included) and the same bytes. A gap between output sections was 0x00 in the ELF's segment and absent
    /// (stamped as 0xFF) from the HEX; the linker script now pads every gap with 0xFF inside the sections.</summary>
    [Fact]
    public void Stamping_the_linked_elf_or_its_hex_gives_the_same_image()
    {
        var firmware = Path.Combine(Path.GetDirectoryName(Shipped("settings.effective.json"))!, "firmware", Settings.BuildType.ToString().ToLowerInvariant());
        var fromElf = Stamper.Stamp(Path.Combine(firmware, "application.elf"), Settings);
        var fromHex = Stamper.Stamp(Path.Combine(firmware, "application.hex"), Settings);

        Assert.Equal(fromHex.Header.ImageCrc32, fromElf.Header.ImageCrc32);
        Assert.Equal(fromHex.Header.ImageSize, fromElf.Header.ImageSize);
        var image = Map.Image.Base;
        Assert.Equal(fromHex.Image.Read(image, (int)fromHex.Header.ImageSize, 0xFF), fromElf.Image.Read(image, (int)fromElf.Header.ImageSize, 0xFF));
    }

    [Fact]
    public void Bootloader_fits_its_region_and_starts_with_its_vector_table()
    {
        var elf = ElfImage.Load(Shipped("bootloader.elf"));

        Assert.Equal(Map.Bootloader.Base, elf.FindSection(".isr_vector")?.Address);
        Assert.All(elf.Memory.Segments, segment =>
            Assert.True(Map.Bootloader.Contains(segment.Address) && segment.Address + (ulong)segment.Data.Length <= Map.Bootloader.End,
                $"bootloader bytes at {HexNumber.Format(segment.Address)} (+{segment.Data.Length}) lie outside {Map.Bootloader}"));
    }

    [Fact]
    public void Factory_image_is_the_bootloader_plus_the_stamped_application_byte_for_byte()
    {
        var factory = IntelHexReader.ReadFile(Shipped("factory.hex")).Image;
        var bootloader = IntelHexReader.ReadFile(Shipped("bootloader.hex")).Image;
        var application = IntelHexReader.ReadFile(Shipped("application.hex")).Image;

        Assert.Equal(bootloader.ByteCount + application.ByteCount, factory.ByteCount);
        foreach (var part in new[] { bootloader, application })
            foreach (var segment in part.Segments)
                Assert.Equal(segment.Data, factory.Read(segment.Address, segment.Data.Length, 0xFF));
    }

    [Theory]
    [InlineData("bootloader")]
    [InlineData("application")]
    public void Each_bin_is_exactly_the_flash_bytes_of_its_hex(string name)
    {
        var hex = IntelHexReader.ReadFile(Shipped($"{name}.hex")).Image;
        var bin = File.ReadAllBytes(Shipped($"{name}.bin"));
        Assert.Equal(hex.Read(hex.LowestAddress, checked((int)(hex.EndAddress - hex.LowestAddress)), 0xFF), bin);
    }

    [Fact]
    public async Task Stamped_header_verifies_with_python_zlib_over_the_image_bytes()
    {
        var factory = IntelHexReader.ReadFile(Shipped("factory.hex")).Image;
        var header = ImageHeader.Parse(factory.Read(Map.Header.Base, ImageHeader.Size, 0xFF));
        var image = factory.Read(header.ImageAddr, checked((int)header.ImageSize), 0xFF);
        var headerBytes = factory.Read(Map.Header.Base, ImageHeader.HeaderCrc32Offset, 0xFF);

        Assert.Equal(header.ImageCrc32, await ZlibCrc32(image));
        Assert.Equal(header.HeaderCrc32, await ZlibCrc32(headerBytes));
        Assert.Equal(Settings.BoardId, header.BoardId);
        Assert.Equal(Map.Image.Base, header.ImageAddr);
        Assert.True(ImageInspector.Inspect(factory, Map, Settings.BoardId).Accepted);
    }

    private static async Task<uint> ZlibCrc32(byte[] data)
    {
        var result = await ExternalTool.RunChecked("python3",
            ["-c", "import sys, zlib; print(zlib.crc32(sys.stdin.buffer.read()))"], standardInput: data);
        return uint.Parse(result.StandardOutput.Trim());
    }
}
