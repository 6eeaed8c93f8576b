using Spectre.Console;

namespace Stm32Boot.Cli;

/// <summary>The image header as a table of its fields, for `stamp` and `info`.</summary>
public static class HeaderView
{
    public static Table Render(ImageHeader header, string title)
    {
        var table = new Table().Title(title).AddColumn("field").AddColumn("offset").AddColumn("value");
        foreach (var (name, offset, _) in ImageHeader.Layout)
            table.AddRow(name, $"0x{offset:X2}", Markup.Escape(Value(header, name)));
        return table;
    }

    private static string Value(ImageHeader header, string field) => field switch
    {
        "magic" => header.MagicText,
        "header_version" => $"{header.HeaderVersion}",
        "header_size" => $"{header.HeaderSize}",
        "fw_version" => $"{header.FwVersion}",
        "image_addr" => HexNumber.Format(header.ImageAddr),
        "image_size" => $"{header.ImageSize} bytes",
        "image_crc32" => HexNumber.Format(header.ImageCrc32),
        "board_id" => HexNumber.Format(header.BoardId),
        "flags" => (header.Flags & SignatureBlock.SignedFlag) != 0 ? $"{HexNumber.Format(header.Flags)} (signed)" : HexNumber.Format(header.Flags),
        "reserved" => header.Reserved.All(b => b == 0) ? "all zero" : Convert.ToHexString(header.Reserved),
        "header_crc32" => HexNumber.Format(header.HeaderCrc32),
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, "ImageHeader.Layout has a field HeaderView does not know."),
    };
}
