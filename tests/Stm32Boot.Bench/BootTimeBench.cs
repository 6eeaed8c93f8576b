// Boot-to-application time of the real factory image for three application sizes: the application image is
// padded to the size, its header re-stamped (sizes and CRCs through the Stm32Boot library), and the board runs
// from power-on until the CPU reaches the application's reset handler. The double-reset window dominates that
// figure (the image check runs inside it), so the image check (image_check() entry to return) is timed too.
using System.Buffers.Binary;
using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Rendering;
using Stm32Boot;
using Stm32Boot.VirtualBoard;

namespace Stm32Boot.Bench;

internal static class BootTimeBench
{
    public static IRenderable Run(string factoryHex, string bootloaderElf)
    {
        // The memory map the factory image was built with (out/settings.effective.json beside it).
        var map = BuildSettings.Load(Path.Combine(Path.GetDirectoryName(factoryHex)!, "settings.effective.json")).MemoryMap;
        if (!ElfImage.Load(bootloaderElf).TryGetSymbol("image_check", out var imageCheck))
            throw new InvalidOperationException($"{bootloaderElf} has no image_check symbol to time.");
        var table = new Table().Title($"boot to application ({Path.GetFileName(factoryHex)}, power-on to the application's reset handler)")
            .AddColumn("application size").AddColumn(new TableColumn("image check µs").RightAligned()).AddColumn(new TableColumn("boot µs").RightAligned())
            .AddColumn(new TableColumn("instructions").RightAligned()).AddColumn(new TableColumn("wall ms").RightAligned());
        foreach (var size in new uint[] { 64 * 1024, 256 * 1024, map.Image.Size })
        {
            using var board = new Board();
            board.LoadHex(factoryHex);
            Restamp(board, map, size);
            var resetHandler = BinaryPrimitives.ReadUInt32LittleEndian(board.Machine.ReadMemory(map.Image.Base + 4, 4)) & ~1u;
            board.PowerOn();
            var wall = Stopwatch.StartNew();
            var checkEntry = board.RunUntilAddress(imageCheck & ~1u, 5 * Board.Second);
            var checkReturn = board.RunUntilAddress(checkEntry.Lr & ~1u, 5 * Board.Second);
            var cpu = board.RunUntilAddress(resetHandler, 5 * Board.Second);
            wall.Stop();
            table.AddRow($"{size / 1024} KB", $"{(checkReturn.AtPs - checkEntry.AtPs) / (double)Board.Microsecond:N0}", $"{cpu.AtPs / (double)Board.Microsecond:N0}", $"{board.Machine.Instructions:N0}", $"{wall.Elapsed.TotalMilliseconds:F0}");
        }
        return table;
    }

    /// Pads the application image in flash to size bytes and writes a header that accepts exactly that image.
    private static void Restamp(Board board, MemoryMap map, uint size)
    {
        var header = ImageHeader.Parse(board.Machine.ReadMemory(map.Header.Base, ImageHeader.Size));
        if (!header.HasExpectedMagic) throw new InvalidOperationException("factory.hex holds no application header to re-stamp.");
        if (size < header.ImageSize) throw new InvalidOperationException($"the application is {header.ImageSize} bytes, more than the {size} asked for.");
        var padding = new byte[size - header.ImageSize];
        for (var i = 0; i < padding.Length; i++) padding[i] = (byte)(i * 7 + 1); // not erased flash: CRC work as for real code
        board.Machine.LoadFlash(map.Image.Base + header.ImageSize, padding);
        var image = board.Machine.ReadMemory(map.Image.Base, (int)size);
        var stamped = header with { ImageSize = size, ImageCrc32 = ImageCrc.Compute(image) };
        stamped = stamped with { HeaderCrc32 = stamped.ComputeHeaderCrc() };
        board.Machine.LoadFlash(map.Header.Base, stamped.ToBytes());
    }
}
