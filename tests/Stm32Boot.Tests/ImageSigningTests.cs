using System.Buffers.Binary;
using Xunit;

namespace Stm32Boot.Tests;

/// <summary>Signing at stamp time and checking the way the bootloader will: a signed image verifies with its key; one
/// flipped bit in the header, a TLV, the signature or the image is refused with the reason that names it; another key,
/// or a trusted key id over another key's signature, is refused; the stamped ELF carries the block.</summary>
public class ImageSigningTests(SignableTinyArmElfFixture fixture) : IClassFixture<SignableTinyArmElfFixture>, IDisposable
{
    private static MemoryMap Map => TestSettings.Defaults.MemoryMap;
    private static uint BlockBase => Map.Header.Base + SignatureBlock.Offset;

    private readonly SigningKey key = SigningKey.Generate();
    private readonly SigningKey otherKey = SigningKey.Generate();

    public void Dispose()
    {
        key.Dispose();
        otherKey.Dispose();
    }

    private StampResult StampSigned(uint securityCounter = 5) =>
        Stamper.Stamp(fixture.ElfPath, TestSettings.Defaults, signing: new ImageSigning(key, securityCounter));

    private static ImageHeader HeaderOf(MemoryImage image) => ImageHeader.Parse(image.Read(Map.Header.Base, ImageHeader.Size, 0xFF));

    private SignatureStatus Check(MemoryImage image, SigningKey? with = null) =>
        ImageSignature.Inspect(image, Map, HeaderOf(image), with ?? key).Status;

    private static void Flip(MemoryImage image, uint address, int bit = 0) =>
        image.Write(address, [(byte)(image.Read(address, 1, 0xFF)[0] ^ (1 << bit))]);

    // As an attacker would after changing header bytes: the CRC is no protection, only the signature is.
    private static void ResealHeader(MemoryImage image)
    {
        var header = HeaderOf(image);
        image.Write(Map.Header.Base, (header with { HeaderCrc32 = header.ComputeHeaderCrc() }).ToBytes());
    }

    [Fact]
    public void A_signed_image_verifies_and_carries_key_id_and_counter()
    {
        var result = StampSigned(securityCounter: 42);

        var inspection = ImageSignature.Inspect(result.Image, Map, result.Header, key);

        Assert.Equal(SignatureBlock.SignedFlag, result.Header.Flags);
        Assert.Equal(result.Header.ComputeHeaderCrc(), result.Header.HeaderCrc32);
        Assert.Equal(SignatureStatus.Ok, inspection.Status);
        Assert.Equal(key.KeyIdText, inspection.CheckedWithKeyId);
        Assert.Equal(key.KeyId, inspection.Block!.KeyId);
        Assert.Equal(42u, inspection.Block.SecurityCounter);
        Assert.True(ImageInspector.Inspect(result.Image, Map, 0x04150001).Accepted);
        // The block, then the rest of the reserved section erased; the image right after the header page.
        Assert.Equal(SignatureBlock.StampedSize, inspection.Block.BlockSize);
        Assert.Equal(96, result.Image.Slice(BlockBase, Map.Image.Base).ByteCount);
    }

    [Fact]
    public void Without_a_key_the_block_is_read_but_the_signature_not_checked()
    {
        var result = StampSigned();

        var inspection = ImageSignature.Inspect(result.Image, Map, result.Header, null);

        Assert.Equal((SignatureStatus.Ok, (string?)null), (inspection.Status, inspection.CheckedWithKeyId));
        Assert.Equal(key.KeyId, inspection.Block!.KeyId);
    }

    [Fact]
    public void An_unsigned_stamp_has_the_flag_clear_and_the_reserved_bytes_erased()
    {
        var result = Stamper.Stamp(fixture.ElfPath, TestSettings.Defaults);

        Assert.Equal(0u, result.Header.Flags);
        Assert.Equal(SignatureStatus.Unsigned, Check(result.Image));
        Assert.All(result.Image.Read(BlockBase, SignatureBlock.StampedSize, 0x00), b => Assert.Equal(0xFF, b));
    }

    [Theory]
    [InlineData(0x08, 0)]   // fw_version
    [InlineData(0x14, 3)]   // image_size
    [InlineData(0x1C, 0)]   // board_id
    [InlineData(0x20, 1)]   // flags, a bit other than "signed"
    [InlineData(0x24, 7)]   // reserved
    public void One_flipped_header_bit_is_a_bad_signature(uint offset, int bit)
    {
        var image = StampSigned().Image;
        Flip(image, Map.Header.Base + offset, bit);
        ResealHeader(image);

        Assert.Equal(SignatureStatus.BadSignature, Check(image));
    }

    [Fact]
    public void Clearing_the_signed_flag_makes_the_image_unsigned()
    {
        var image = StampSigned().Image;
        Flip(image, Map.Header.Base + 0x20, 0);
        ResealHeader(image);

        Assert.Equal(SignatureStatus.Unsigned, Check(image));
    }

    [Theory]
    [InlineData(0, SignatureStatus.BadMagic)]
    [InlineData(2, SignatureStatus.BadVersion)]
    [InlineData(7, SignatureStatus.BadSize)]         // block_size beyond the area
    [InlineData(8, SignatureStatus.MissingTlv)]      // KEY_ID's type: now an unknown TLV
    [InlineData(10, SignatureStatus.BadTlv)]         // KEY_ID's length
    [InlineData(12, SignatureStatus.UnknownKey)]     // the key id
    [InlineData(24, SignatureStatus.BadSignature)]   // the security counter: signed
    [InlineData(32, SignatureStatus.BadSignature)]   // r
    [InlineData(95, SignatureStatus.BadSignature)]   // s
    public void One_flipped_block_bit_is_refused_with_the_reason(uint offset, SignatureStatus expected)
    {
        var image = StampSigned().Image;
        Flip(image, BlockBase + offset, offset == 7 ? 3 : 0); // block_size 0x0860

        Assert.Equal(expected, Check(image));
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(100u)]
    [InlineData(uint.MaxValue)] // the last byte
    public void One_flipped_image_bit_is_a_bad_signature(uint offset)
    {
        var image = StampSigned().Image;
        Flip(image, Map.Image.Base + Math.Min(offset, HeaderOf(image).ImageSize - 1), 5);

        Assert.Equal(SignatureStatus.BadSignature, Check(image));
    }

    [Fact]
    public void Another_key_is_refused()
    {
        var image = StampSigned().Image;

        Assert.Equal(SignatureStatus.UnknownKey, Check(image, otherKey));
    }

    [Fact]
    public void A_trusted_key_id_over_another_keys_signature_is_a_bad_signature()
    {
        var result = StampSigned();
        var image = result.Image;
        var imageBytes = image.Read(Map.Image.Base, (int)result.Header.ImageSize, 0xFF);
        var protectedBytes = SignatureBlock.CreateProtectedBytes(key.KeyId, 5);
        var forged = SignatureBlock.Create(protectedBytes, otherKey.Sign(ImageSignature.SignedBytes(result.Header.ToBytes(), protectedBytes, imageBytes)));
        image.Write(BlockBase, forged);

        Assert.Equal(SignatureStatus.BadSignature, Check(image));
    }

    [Fact]
    public void Signatures_are_randomised_but_each_verifies()
    {
        var first = StampSigned().Image;
        var second = StampSigned().Image;

        Assert.NotEqual(first.Read(BlockBase, SignatureBlock.StampedSize, 0xFF), second.Read(BlockBase, SignatureBlock.StampedSize, 0xFF));
        Assert.Equal((SignatureStatus.Ok, SignatureStatus.Ok), (Check(first), Check(second)));
    }

    [Fact]
    public async Task The_stamped_elf_holds_the_signature_block_so_objcopy_gives_the_stamped_hex()
    {
        using var scratch = new ScratchDirectory();
        StampSigned().WriteTo(scratch.Path, "app");

        await ExternalTool.RunChecked("arm-none-eabi-objcopy", ["-O", "ihex", scratch.File("app.elf"), scratch.File("objcopy.hex")]);

        Assert.Equal(File.ReadAllText(scratch.File("app.hex")), File.ReadAllText(scratch.File("objcopy.hex")).Replace("\r\n", "\n"));
        var fromElf = FirmwareFile.Load(scratch.File("app.elf")).Image;
        Assert.Equal(SignatureStatus.Ok, Check(fromElf));
    }

    [Fact]
    public async Task Signing_an_elf_without_room_for_the_block_is_refused()
    {
        using var scratch = new ScratchDirectory();
        var elf = await new TinyArmElf().Build(scratch, TestSettings.Defaults);

        var error = Assert.Throws<Stm32BootException>(() => Stamper.Stamp(elf, TestSettings.Defaults, signing: new ImageSigning(key, 1)));

        Assert.Equal($"'{elf}' has no .image_signature section, so the stamped ELF could not hold the signature block; reserve 96 bytes of 0xFF " +
                     "right after the header in section .image_signature (as application/src/image_header.c does), or stamp the application's HEX instead.",
            error.Message);
        Assert.Equal(SignatureStatus.Unsigned, Check(Stamper.Stamp(elf, TestSettings.Defaults).Image));
    }

    [Fact]
    public void A_hex_signs_into_its_reserved_bytes_but_data_there_is_refused()
    {
        using var scratch = new ScratchDirectory();
        var image = ElfImage.Load(fixture.ElfPath).Memory;
        var reserved = scratch.Write("reserved.hex", IntelHexWriter.Format(new IntelHexFile(image, null)));
        image.Write(BlockBase + 0x10, [0x00]);
        var data = scratch.Write("data.hex", IntelHexWriter.Format(new IntelHexFile(image, null)));

        var signed = Stamper.Stamp(reserved, TestSettings.Defaults, signing: new ImageSigning(key, 1));
        var error = Assert.Throws<Stm32BootException>(() => Stamper.Stamp(data, TestSettings.Defaults, signing: new ImageSigning(key, 1)));

        Assert.Equal(SignatureStatus.Ok, Check(signed.Image));
        Assert.Contains("has 1 bytes in the header page after the 64-byte header, the first at 0x08020050; the rest of the header page must stay erased " +
                        "(an application may reserve 0x08020040–0x0802077F as 0xFF for the signature block the stamp writes)", error.Message);
    }

    public static TheoryData<string, SignatureStatus> MalformedBlocks() => new()
    {
        // header 'SG' v1 protected_size block_size | TLVs (type, length, value)
        { "5347 0100 0800 0800", SignatureStatus.MissingTlv },
        { "5347 0100 0700 0800", SignatureStatus.BadSize },
        { "5347 0100 1000 0800", SignatureStatus.BadSize },
        { "5347 0100 0800 4107", SignatureStatus.BadSize },                              // 0x741: past 0x780
        { "5347 0100 0E00 0E00 0001 0200 AABB", SignatureStatus.MissingTlv },            // unknown TLV 0x0100 skipped
        { "5347 0100 0E00 0E00 0200 0300 AABBCC", SignatureStatus.BadTlv },              // counter of 3 bytes
        { "5347 0100 0A00 0A00 0100", SignatureStatus.BadTlv },                          // TLV header cut short
        { "5347 0100 0C00 0C00 0000 0100", SignatureStatus.BadTlv },                     // value past the area
        { "5347 0100 0800 1000 0200 0400 01000000", SignatureStatus.BadTlv },            // counter outside the signed part
        { "5347 0100 1800 1800 0200 0400 01000000 0200 0400 02000000", SignatureStatus.DuplicateTlv },
        { "5348 0100 0800 0800", SignatureStatus.BadMagic },
        { "5347 0200 0800 0800", SignatureStatus.BadVersion },
    };

    [Theory]
    [MemberData(nameof(MalformedBlocks))]
    public void The_parser_applies_the_bootloaders_rules(string hex, SignatureStatus expected)
    {
        var area = Convert.FromHexString(hex.Replace(" ", "")).Concat(Enumerable.Repeat((byte)0xFF, SignatureBlock.AreaSize)).Take(SignatureBlock.AreaSize).ToArray();

        Assert.Equal(expected, SignatureBlock.TryParse(area, out _));
    }

    [Fact]
    public void The_counter_is_little_endian_in_the_signed_part()
    {
        var protectedBytes = SignatureBlock.CreateProtectedBytes(key.KeyId, 0xA1B2C3D4);

        Assert.Equal(0xA1B2C3D4u, BinaryPrimitives.ReadUInt32LittleEndian(protectedBytes.AsSpan(24)));
        Assert.Equal(28, protectedBytes.Length);
    }
}
