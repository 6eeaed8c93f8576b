using Xunit;

namespace Stm32Boot.Tests;

/// <summary>
/// The C header (bootloader/core/image_header.h) and ImageHeader must agree field for field. The firmware's
/// tests/host/header_layout_dump.c prints "name offset size" per image_header_t field; it is compiled here with
/// the host compiler and its output compared with ImageHeader.Layout.
/// </summary>
public class HeaderLayoutMatchesCTests
{
    [Fact]
    public async Task C_struct_offsets_and_sizes_equal_the_csharp_layout()
    {
        var source = Repository.Path("tests", "host", "header_layout_dump.c");
        Assert.True(File.Exists(source),
            $"{source} is missing: it is the firmware's program that prints 'name offset size' for each image_header_t field.");
        using var scratch = new ScratchDirectory();
        var program = scratch.File("header_layout_dump");

        await ExternalTool.RunChecked("cc", ["-std=c11", "-Wall", "-Werror", "-I", Repository.Path("bootloader", "core"), source, "-o", program]);
        var output = await ExternalTool.RunChecked(program, []);

        var fields = output.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(parts => (parts[0], ParseNumber(parts[1]), ParseNumber(parts[2])))
            .ToList();
        Assert.Equal(ImageHeader.Layout, fields);
    }

    // Accepts decimal or 0x-prefixed hex, whichever the dump prints.
    private static int ParseNumber(string text) =>
        text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? Convert.ToInt32(text[2..], 16) : int.Parse(text);
}
