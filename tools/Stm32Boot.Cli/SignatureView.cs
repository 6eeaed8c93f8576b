using Spectre.Console;

namespace Stm32Boot.Cli;

/// <summary>An image's signature as `info` shows it: whether it is signed, the block's fields, and whether it verifies.</summary>
public static class SignatureView
{
    public static Table Render(SignatureInspection signature, SigningKey? key)
    {
        var table = new Table().Title("signature (ECDSA P-256, SHA-256)").AddColumn("").AddColumn("field").AddColumn("value");
        if (signature.Status == SignatureStatus.Unsigned)
            return table.AddRow("[yellow]–[/]", "signed", "no: flags bit 0 is clear, there is no signature block");
        if (signature.Block is not { } block)
            return table.AddRow("[red]✗[/]", "signature block", Markup.Escape(SignatureBlock.Text(signature.Status)));

        table.AddRow("[green]✓[/]", "signature block", $"{block.BlockSize} bytes, {block.ProtectedSize} of them signed");
        table.AddRow("", "key id", Convert.ToHexString(block.KeyId).ToLowerInvariant());
        table.AddRow("", "security counter", $"{block.SecurityCounter}");
        var (mark, detail) = signature.Status switch
        {
            _ when signature.CheckedWithKeyId is null => ("[yellow]–[/]", key is null
                ? "not checked: no key (pass --key KEY.pem, or run where the settings' SigningKey is)"
                : "not checked: image_size is invalid, so the image cannot be hashed"),
            SignatureStatus.Ok => ("[green]✓[/]", $"verifies with key {key!.KeyIdText} ({key.Source})"),
            SignatureStatus.UnknownKey => ("[red]✗[/]", $"signed by another key than {key!.KeyIdText} ({key.Source})"),
            _ => ("[red]✗[/]", $"bad signature: does not verify with key {key!.KeyIdText} ({key.Source}); some signed byte changed"),
        };
        return table.AddRow(mark, "signature", Markup.Escape(detail));
    }
}
