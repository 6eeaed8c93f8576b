using Stm32Boot.VirtualBoard;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// docs/design.md §5 on the shipped factory image: each acceptance check violated alone keeps the bootloader in update
/// mode and names the reason on USART1; the shipped image itself boots.
/// </summary>
public class BootDecisionTests
{
    [Fact]
    public void The_shipped_factory_image_boots_the_application()
    {
        using var board = VirtualBoards.With(Shipped.Factory());
        Assert.Equal($"boot: application {Shipped.Settings.Version} -> 0x{Shipped.Map.Image.Base:X8}", board.PowerOnAndReadVerdict());
    }

    /// <summary>SRAM1 and SRAM2's alias after it as one 128 KB block, as many linker scripts lay them out: an initial
    /// MSP at its top, 0x20020000, is RAM (RM0351: SRAM2 is also at 0x20018000), and the application runs with its
    /// stack there.</summary>
    [Fact]
    public void An_initial_stack_pointer_at_the_top_of_the_SRAM2_alias_boots_the_application()
    {
        const uint top = 0x2002_0000;
        var image = ImageVariants.WithImageWord(Shipped.Map.Image.Base, top);
        using var board = VirtualBoards.With(image);

        Assert.Equal($"boot: application {Shipped.Settings.Version} -> 0x{Shipped.Map.Image.Base:X8}", board.PowerOnAndReadVerdict());
        var state = board.RunUntilAddress(ImageVariants.Vector(image, 1) & ~1u, Board.Second);
        Assert.Equal(top, state.Msp);
        board.RunUntilApplication(Shipped.Settings.Version);
    }

    public static TheoryData<string, string> BrokenImages => new()
    {
        { "bad magic", "bad magic" },
        { "header CRC", "header CRC mismatch" },
        { "wrong board", "wrong board id 0x04150002" },
        { "oversized image", "image size out of range" },
        { "stack pointer outside RAM", "stack pointer outside RAM" },
        { "stack pointer not 8-byte aligned", "stack pointer not 8-byte aligned" },
        { "reset vector outside image", "reset vector outside image" },
        { "reset vector even", "reset vector not Thumb" },
        { "one flipped bit in the image", "image CRC mismatch" },
        { "erased header page", "no application header" },
    };

    [Theory]
    [MemberData(nameof(BrokenImages))]
    public void Each_violated_check_alone_keeps_the_bootloader_and_names_the_reason(string broken, string reason)
    {
        using var board = VirtualBoards.With(Break(broken));

        Assert.Equal($"stay: {reason}", board.PowerOnAndReadVerdict());
        // And it stays: the application never runs (its banner never appears) across a further reset.
        board.PressResetButton();
        Assert.Equal($"stay: {reason}", board.NextVerdict());
        Assert.DoesNotContain(board.Uart.Lines, l => l.Text.StartsWith("L475 application"));
    }

    [Theory]
    [InlineData(1021u)]
    [InlineData(1022u)]
    [InlineData(1023u)]
    [InlineData(1024u)]
    [InlineData(1025u)]
    [InlineData(1028u)]
    [InlineData(1036u)]
    public void An_image_of_any_size_is_checked_to_its_last_byte(uint size)
    {
        // The CRC unit takes blocks of four words, then the last 1 to 15 bytes one by one (platform/src/crc_unit.c): the
        // last byte ends a block, or lies first, inside or last among the bytes after the blocks.
        var app = SyntheticApplications.With(Shipped.Settings.Version, size, SyntheticApplications.SleepForever);
        using (var board = VirtualBoards.With(SyntheticApplications.Factory(app)))
            Assert.StartsWith("boot: application ", board.PowerOnAndReadVerdict());

        var last = Shipped.Map.Image.Base + size - 1;
        app.Write(last, [(byte)(app.Read(last, 1, 0xFF)[0] ^ 0x01)]);
        using var broken = VirtualBoards.With(SyntheticApplications.Factory(app));
        Assert.Equal("stay: image CRC mismatch", broken.PowerOnAndReadVerdict());
    }

    private static MemoryImage Break(string broken)
    {
        var map = Shipped.Map;
        var vectors = Shipped.Factory();
        return broken switch
        {
            "bad magic" => ImageVariants.WithHeader(h => h with { Magic = "L4AQ"u8.ToArray() }),
            "header CRC" => ImageVariants.WithHeader(h => h with { HeaderCrc32 = h.HeaderCrc32 ^ 1 }, fixHeaderCrc: false),
            "wrong board" => ImageVariants.WithHeader(h => h with { BoardId = 0x04150002 }),
            "oversized image" => ImageVariants.WithHeader(h => h with { ImageSize = map.Image.Size + 8 }),
            "stack pointer outside RAM" => ImageVariants.WithImageWord(map.Image.Base, 0x20040000),
            "stack pointer not 8-byte aligned" => ImageVariants.WithImageWord(map.Image.Base, ImageVariants.Vector(vectors, 0) - 4),
            "reset vector outside image" => ImageVariants.WithImageWord(map.Image.Base + 4, map.Bootloader.Base + 0x101),
            "reset vector even" => ImageVariants.WithImageWord(map.Image.Base + 4, ImageVariants.Vector(vectors, 1) & ~1u),
            "one flipped bit in the image" => ImageVariants.WithFlippedImageBit(map.Image.Base + 0x200, 3),
            "erased header page" => Erased(map.Header),
            _ => throw new ArgumentOutOfRangeException(nameof(broken), broken, null),
        };
    }

    private static MemoryImage Erased(MemoryRegion region)
    {
        var image = Shipped.Factory();
        image.Write(region.Base, Enumerable.Repeat((byte)0xFF, (int)region.Size).ToArray());
        return image;
    }
}
