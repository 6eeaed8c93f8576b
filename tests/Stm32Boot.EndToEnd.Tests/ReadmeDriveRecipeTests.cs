using System.Text.RegularExpressions;
using Stm32Boot.VirtualBoard;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// The README's drive-image recipes for `emulate --usb-drive`, run exactly as written (out/application.hex taken from
/// the build under test): each must make a drive from which the bootloader alone installs and boots the application.
/// </summary>
public partial class ReadmeDriveRecipeTests
{
    public static TheoryData<string> Recipes()
    {
        var readme = File.ReadAllText(Path.Combine(Shipped.Root, "README.md"));
        // A recipe may be wrapped over two lines in the README's prose; join its whitespace back.
        var recipes = RecipePattern().Matches(readme).Select(m => Regex.Replace(m.Groups[1].Value, @"\s+", " ")).Distinct().ToList();
        Assert.True(recipes.Count >= 2, "the README names a FAT16 and a FAT32 drive recipe");
        var data = new TheoryData<string>();
        foreach (var recipe in recipes) data.Add(recipe);
        return data;
    }

    [Theory]
    [MemberData(nameof(Recipes))]
    public void The_drive_made_by_the_readme_recipe_installs_the_application(string recipe)
    {
        using var scratch = new Scratch();
        var command = recipe.Replace("out/application.hex", Shipped.File("application.hex"), StringComparison.Ordinal);
        PeerTools.Run("sh", "-c", $"cd '{scratch.Path}' && {command}");
        using var board = VirtualBoards.With(IntelHexReader.ReadFile(Shipped.File("bootloader.hex")).Image);
        board.AttachUsbDrive(scratch.File("stick.img"));

        board.PowerOn();

        Assert.Equal($"usb: updated to {Shipped.Settings.Version}", board.NextUsbOutcome().Text);
        Assert.Equal(VirtualBoards.BootsShipped, board.VerdictAfterUpdate());
    }

    [GeneratedRegex(@"`(mkfs\.vfat [^`]*stick\.img[^`]*&&\s*mcopy[^`]*)`")]
    private static partial Regex RecipePattern();
}
