using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Stm32Boot.Uart;
using Xunit;

namespace Stm32Boot.Tests.Uart;

public class FlashPlanTests
{
    private static readonly MemoryMap Map = TestSettings.Defaults.MemoryMap;

    private static byte[] Bytes(int count, byte first = 1) => Enumerable.Range(0, count).Select(i => (byte)(first + i)).ToArray();

    [Fact]
    public void Image_blocks_go_in_ascending_order_and_the_header_last()
    {
        var image = ImageAssert.From((0x08020000, Bytes(ImageHeader.Size)), (0x08020800, Bytes(600)));

        var plan = FlashPlan.Create(image, Map, "app.hex");

        Assert.Equal([0x08020800u, 0x08020900u, 0x08020A00u, 0x08020000u], plan.Blocks.Select(b => b.Address));
        Assert.Equal([256, 256, 88, 64], plan.Blocks.Select(b => b.Data.Length));
        Assert.Equal(Bytes(ImageHeader.Size), plan.Blocks[^1].Data);
        Assert.Equal([64, 65], plan.ErasePages);
        Assert.Equal(0x08020800u, plan.GoAddress);
        Assert.Equal(664, plan.WriteBytes);
    }

    [Fact]
    public void Header_first_sends_the_header_page_blocks_first_and_keeps_the_erase_plan()
    {
        var image = ImageAssert.From((0x08020000, Bytes(ImageHeader.Size + 96)), (0x08020700, Bytes(16)), (0x08020800, Bytes(600)));
        var headerLast = FlashPlan.Create(image, Map, "app.hex");

        var plan = headerLast.WithHeaderFirst();

        Assert.False(headerLast.HeaderFirst);
        Assert.True(plan.HeaderFirst);
        Assert.Equal([0x08020000u, 0x08020700u, 0x08020800u, 0x08020900u, 0x08020A00u], plan.Blocks.Select(b => b.Address));
        Assert.Equal([0x08020800u, 0x08020900u, 0x08020A00u, 0x08020000u, 0x08020700u], headerLast.Blocks.Select(b => b.Address));
        Assert.Equal(headerLast.ErasePages, plan.ErasePages);
        Assert.Equal((headerLast.WriteBytes, headerLast.GoAddress), (plan.WriteBytes, plan.GoAddress));
        Assert.Equal(headerLast.Blocks.OrderBy(b => b.Address).Select(b => b.Data), plan.Blocks.Select(b => b.Data));
    }

    [Fact]
    public void Blocks_widen_to_whole_double_words_filled_with_the_erased_value()
    {
        var image = ImageAssert.From((0x08020803, [0xA1, 0xA2, 0xA3]), (0x08020830, [0xB1]));

        var plan = FlashPlan.Create(image, Map, "app.hex");

        var block = Assert.Single(plan.Blocks);
        Assert.Equal(0x08020800u, block.Address);
        Assert.Equal(56, block.Data.Length);
        Assert.Equal([0xFF, 0xFF, 0xFF, 0xA1, 0xA2, 0xA3, 0xFF, 0xFF], block.Data[..8]);
        Assert.Equal(0xB1, block.Data[0x30]);
        Assert.All(block.Data[8..0x30], b => Assert.Equal(0xFF, b));
    }

    [Fact]
    public void Pages_in_bank_2_get_global_numbers_from_256_on()
    {
        var image = ImageAssert.From((0x0807FF00, Bytes(0x200)));

        var plan = FlashPlan.Create(image, Map, "app.bin");

        Assert.Equal([64, 255, 256], plan.ErasePages);
        Assert.Equal([0x0807FF00u, 0x08080000u], plan.Blocks.Select(b => b.Address));
    }

    [Fact]
    public void Changing_the_image_erases_the_header_page_first_even_without_a_new_header()
    {
        var image = ImageAssert.From((0x08030000, Bytes(8)));

        var plan = FlashPlan.Create(image, Map, "image.bin");

        Assert.Equal([64, 96], plan.ErasePages);
        Assert.Equal([0x08030000u], plan.Blocks.Select(b => b.Address));
    }

    [Fact]
    public void A_header_alone_erases_and_writes_only_the_header_page()
    {
        var plan = FlashPlan.Create(ImageAssert.From((0x08020000, Bytes(ImageHeader.Size))), Map, "header.bin");

        Assert.Equal([64], plan.ErasePages);
        Assert.Equal([0x08020000u], plan.Blocks.Select(b => b.Address));
    }

    [Fact]
    public void Bytes_outside_the_application_are_refused_with_what_to_flash_instead()
    {
        var image = ImageAssert.From((0x08000000, Bytes(16)), (0x08020000, Bytes(ImageHeader.Size)));

        var error = Assert.Throws<Stm32BootException>(() => FlashPlan.Create(image, Map, "factory.hex"));

        Assert.Equal("'factory.hex' has 16 bytes outside the application header and image 0x08020000–0x080FFFFF, the first at 0x08000000; " +
                     "the bootloader writes only there. Flash the stamped application (out/application.hex), not factory.hex or the bootloader.", error.Message);
    }

    [Fact]
    public void Bytes_past_the_end_of_flash_are_refused()
    {
        var error = Assert.Throws<Stm32BootException>(() => FlashPlan.Create(ImageAssert.From((0x080FFFFC, Bytes(8))), Map, "big.bin"));

        Assert.Contains("has 4 bytes outside the application header and image 0x08020000–0x080FFFFF, the first at 0x08100000", error.Message);
    }

    [Fact]
    public void An_empty_image_is_refused()
    {
        var error = Assert.Throws<Stm32BootException>(() => FlashPlan.Create(new MemoryImage(), Map, "empty.hex"));

        Assert.Equal("'empty.hex' holds no bytes to flash.", error.Message);
    }

    private static Gen<MemoryImage> ApplicationImages =>
        from runs in Gen.ListOf(
            from offset in Gen.Choose(0, (int)(Map.Flash.End - Map.Header.Base) - 1)
            from length in Gen.Choose(1, 600)
            from data in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), Math.Min(length, (int)(Map.Flash.End - Map.Header.Base) - offset))
            select (Map.Header.Base + (uint)offset, data))
        where runs.Count > 0
        select SparseImages.Build(runs.Take(8));

    [Property(MaxTest = 100)]
    public Property Blocks_hold_every_byte_once_in_erased_pages_with_the_header_last() =>
        Prop.ForAll(ApplicationImages.ToArbitrary(), image =>
        {
            var plan = FlashPlan.Create(image, Map, "random.hex");

            var written = new MemoryImage();
            foreach (var block in plan.Blocks)
            {
                Assert.True(block.Address % 8 == 0 && block.Data.Length % 8 == 0 && block.Data.Length <= 256, $"block {block.Address:X8}+{block.Data.Length}");
                Assert.Equal(block.Address / 256, (uint)((block.End - 1) / 256));
                Assert.True(written.Slice(block.Address, block.End).IsEmpty, $"block {block.Address:X8} overlaps another");
                written.Write(block.Address, block.Data);
                var firstPage = (block.Address - Map.Flash.Base) / Map.PageSize;
                var lastPage = (uint)((block.End - 1 - Map.Flash.Base) / Map.PageSize);
                Assert.All(Enumerable.Range((int)firstPage, (int)(lastPage - firstPage + 1)), page => Assert.Contains((ushort)page, plan.ErasePages));
            }

            foreach (var segment in image.Segments)
                Assert.Equal(segment.Data, written.Read(segment.Address, segment.Data.Length, 0x00));
            Assert.Equal(written.ByteCount - image.ByteCount, plan.Blocks.Sum(b => b.Data.Count(x => x == 0xFF)) - CountFF(image));
            Assert.Equal(plan.ErasePages.Order(), plan.ErasePages);
            if (plan.Blocks.Any(b => !Map.Header.Contains(b.Address)))
                Assert.Equal(64, plan.ErasePages[0]);
            var headerBlocks = plan.Blocks.SkipWhile(b => !Map.Header.Contains(b.Address)).ToList();
            Assert.All(headerBlocks, b => Assert.True(Map.Header.Contains(b.Address), "an image block after a header block"));
            Assert.Equal(plan.Blocks.Where(b => !Map.Header.Contains(b.Address)).Select(b => b.Address).Order(),
                plan.Blocks.Where(b => !Map.Header.Contains(b.Address)).Select(b => b.Address));
        });

    private static int CountFF(MemoryImage image) => image.Segments.Sum(s => s.Data.Count(b => b == 0xFF));
}
