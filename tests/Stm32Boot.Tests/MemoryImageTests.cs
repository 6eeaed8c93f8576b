using Xunit;

namespace Stm32Boot.Tests;

public class MemoryImageTests
{
    [Fact]
    public void Touching_and_overlapping_writes_join_into_one_segment()
    {
        var image = new MemoryImage();
        image.Write(0x100, [1, 2]);
        image.Write(0x104, [5, 6]);
        image.Write(0x102, [3, 4]);
        image.Write(0x0FF, [0]);

        var segment = Assert.Single(image.Segments);
        Assert.Equal(0x0FFu, segment.Address);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6], segment.Data);
        Assert.Equal(7, image.ByteCount);
        Assert.Equal(0x0FFu, image.LowestAddress);
        Assert.Equal(0x106ul, image.EndAddress);
    }

    [Fact]
    public void A_write_spanning_several_segments_merges_them_and_replaces_their_bytes()
    {
        var image = new MemoryImage();
        image.Write(0x10, [1]);
        image.Write(0x20, [2]);
        image.Write(0x30, [3, 3]);
        image.Write(0x0F, Enumerable.Repeat((byte)9, 0x22).ToArray());

        var segment = Assert.Single(image.Segments);
        Assert.Equal(0x0Fu, segment.Address);
        Assert.Equal(0x22, segment.Data.Length - 1);
        Assert.All(segment.Data[..^1], b => Assert.Equal(9, b));
        Assert.Equal(3, segment.Data[^1]);
    }

    [Fact]
    public void Gaps_stay_absent_and_reads_fill_them()
    {
        var image = new MemoryImage();
        image.Write(0x08020000, [0xAA, 0xBB]);
        image.Write(0x08020004, [0xCC]);

        Assert.Equal(2, image.Segments.Count);
        Assert.False(image.Contains(0x08020002));
        Assert.True(image.Contains(0x08020004));
        Assert.Equal([0xAA, 0xBB, 0xFF, 0xFF, 0xCC, 0xFF], image.Read(0x08020000, 6, 0xFF));
        Assert.False(image.TryRead(0x08020000, new byte[3]));
        var two = new byte[2];
        Assert.True(image.TryRead(0x08020000, two));
        Assert.Equal([0xAA, 0xBB], two);
    }

    [Fact]
    public void Slice_keeps_only_the_range()
    {
        var image = new MemoryImage();
        image.Write(0x00, [0, 1, 2, 3]);
        image.Write(0x10, [4, 5, 6, 7]);

        var slice = image.Slice(0x02, 0x12);

        ImageAssert.Equal(ImageAssert.From((0x02, [2, 3]), (0x10, [4, 5])), slice);
        Assert.True(image.Slice(0x04, 0x10).IsEmpty);
        Assert.True(image.Slice(1UL << 32, 1UL << 32).IsEmpty);
    }

    [Fact]
    public void Reject_rule_accepts_equal_overlap_and_names_the_first_different_byte()
    {
        var image = new MemoryImage();
        image.Write(0x200, [1, 2, 3, 4]);
        image.Write(0x202, [3, 4, 5], OverlapRule.RejectDifferent);

        var conflict = Assert.Throws<MemoryConflictException>(() => image.Write(0x1FF, [0, 1, 2, 9, 9], OverlapRule.RejectDifferent));

        Assert.Equal(0x202u, conflict.Address);
        Assert.Equal(3, conflict.Existing);
        Assert.Equal(9, conflict.Incoming);
        Assert.Equal([1, 2, 3, 4, 5], image.Read(0x200, 5, 0)); // a refused write changes nothing
        Assert.False(image.Contains(0x1FF));
    }

    [Fact]
    public void The_last_byte_of_the_address_space_is_usable_and_the_next_is_not()
    {
        var image = new MemoryImage();
        image.Write(0xFFFFFFFE, [1, 2]);
        Assert.Equal(1UL << 32, image.EndAddress);
        Assert.True(image.Contains(0xFFFFFFFF));
        Assert.Throws<Stm32BootException>(() => image.Write(0xFFFFFFFF, [1, 2]));
    }
}
