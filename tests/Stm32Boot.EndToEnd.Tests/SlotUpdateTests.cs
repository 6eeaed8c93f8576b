using Stm32Boot.Uart;
using Stm32Boot.VirtualBoard;
using Stm32Boot.VirtualBoard.Hosting;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// The application updates itself (SlotMode swap, application/src/update_slot.h): its console's `receive` takes the
/// slot image over XMODEM-1K from `stm32boot send` (<see cref="SlotSender"/>, here over <see cref="VirtualUartStream"/>
/// in virtual time), writes it into the secondary slot while it runs, and asks for the install only when the
/// bootloader's policy verified it. The shipped single-slot build says it cannot; the swap variant
/// (out/variants/swap/: factory.hex, settings.json, firmware/ with the application built for the swap map) does it.
/// </summary>
public class SlotUpdateTests
{
    private static readonly FirmwareVersion New = UpdateImages.New;

    // boot_state.h: the trial marker, double word 0 of the boot-attempt state at the end of a header page.
    private const uint BootStateOffset = BootState.Offset;
    private const ulong TrialMagic = BootState.TrialMagic;

    [Fact]
    public void A_single_slot_build_says_receive_needs_swap_and_info_names_one_slot()
    {
        using var board = VirtualBoards.ShippedAtPrompt();

        Assert.Equal(["receive: needs SlotMode swap (this build has one slot)"], board.Console("receive"));
        Assert.Contains("slots one (SlotMode single)", board.Console("info"));
    }

    [Fact]
    public void Receive_verifies_the_image_in_the_secondary_slot_and_asks_for_the_install()
    {
        using var board = VariantAtPrompt();
        var link = new VirtualUartStream(board, UartFraming.Console.Baud);
        var update = SlotImage.Create(VariantApplication(New, signed: true), VariantMap, "update");
        var secondary = SecondaryBase(VariantMap);

        var result = Sender(link).Send(update, start: true);

        Assert.Equal($"receive: installing {New} at reset", result.Answer);
        // The transcript's line holds the protocol bytes before it too (the 'C', the ACKs).
        Assert.Contains(board.Uart.Lines, l => l.Text.Contains($"receive: verified {New} (", StringComparison.Ordinal));
        // The header page (programmed by the commit, the header last) and the image, at the secondary slot's addresses.
        Assert.Equal(update.Bytes[..(int)BootStateOffset], ReadFlash(board, secondary, (int)BootStateOffset));
        Assert.Equal(update.Bytes[(int)VariantMap.Header.Size..update.DataLength],
            ReadFlash(board, secondary + VariantMap.Header.Size, update.DataLength - (int)VariantMap.Header.Size));
        // The install request: the trial marker in the secondary header page.
        Assert.Equal(TrialMagic, BitConverter.ToUInt64(ReadFlash(board, secondary + BootStateOffset, 8)));
    }

    [Fact]
    public void The_reset_after_receive_installs_the_image_which_reports_it()
    {
        using var board = VariantAtPrompt();
        var link = new VirtualUartStream(board, UartFraming.Console.Baud);
        var update = SlotImage.Create(VariantApplication(New, signed: true), VariantMap, "update");
        var from = board.Uart.Lines.Count;

        Sender(link).Send(update, start: true);
        board.RunUntilLine($"^L475 application {New}$", 30 * Board.Second, from);
        board.RunFor(100 * Board.Millisecond, () => board.Uart.Pending == "> ");

        Assert.Contains(board.Uart.Lines.Skip(from), l => l.Text.StartsWith($"swap: installing {New} over ", StringComparison.Ordinal));
        Assert.Equal([New.ToString()], board.Console("version"));
        Assert.Contains("slots installed at this reset: the image from the secondary slot was swapped in", board.Console("info"));
    }

    /// <summary>After an install the secondary slot holds what the swap left there (the old image's second page on,
    /// the previous image one page lower): the next update overwrites it page by page and installs as the first did.</summary>
    [Fact]
    public void A_second_update_after_the_first_installs_as_well()
    {
        using var board = VariantAtPrompt();
        var link = new VirtualUartStream(board, UartFraming.Console.Baud);
        var third = new FirmwareVersion(New.Major, New.Minor, New.Patch, (ushort)(New.Build + 1));

        foreach (var version in new[] { New, third })
        {
            var from = board.Uart.Lines.Count;
            var result = Sender(link).Send(SlotImage.Create(VariantApplication(version, signed: true), VariantMap, "update"), start: true);
            board.RunUntilLine($"^L475 application {version}$", 30 * Board.Second, from);
            board.RunFor(100 * Board.Millisecond, () => board.Uart.Pending == "> ");

            Assert.Equal($"receive: installing {version} at reset", result.Answer);
            Assert.Equal([version.ToString()], board.Console("version"));
        }
    }

    [Fact]
    public void An_unsigned_image_is_refused_at_its_first_image_block_and_nothing_reaches_flash()
    {
        using var board = VariantAtPrompt();
        var link = new VirtualUartStream(board, UartFraming.Console.Baud);
        var update = SlotImage.Create(VariantApplication(New, signed: false), VariantMap, "unsigned");
        var secondary = SecondaryBase(VariantMap);
        var before = ReadFlash(board, secondary, 4 * (int)VariantMap.PageSize);

        var e = Assert.Throws<Stm32BootException>(() => Sender(link).Send(update, start: true));

        // Blocks 1 and 2 are the header page, held in RAM; block 3 would change the first image page.
        Assert.Contains("The application says: 'receive: block at offset 2048 refused: image not signed'", e.Message);
        Assert.Equal(before, ReadFlash(board, secondary, 4 * (int)VariantMap.PageSize));
        board.RunFor(2 * Board.Second, () => board.Uart.Pending == "> ");
        Assert.Equal([VariantVersion().ToString()], board.Console("version"));
    }

    private static SlotSender Sender(Stream link) => new(link)
    {
        HandshakeTimeout = TimeSpan.FromSeconds(10),
        AnswerTimeout = TimeSpan.FromSeconds(15),
    };

    private static BuildOutput Variant => BuildOutput.Swap;

    private static Board VariantAtPrompt()
    {
        var board = VirtualBoards.With(Variant.Factory());
        try
        {
            Assert.StartsWith($"boot: application {VariantVersion()} ", board.PowerOnAndReadVerdict());
            board.RunUntilPrompt();
            return board;
        }
        catch
        {
            board.Dispose();
            throw;
        }
    }

    private static MemoryMap VariantMap => Variant.Map;

    private static FirmwareVersion VariantVersion() => ImageVariants.ReadHeader(Variant.Factory(), Variant).FwVersion;

    /// <summary>The variant's application, linked for the swap map, stamped again as <paramref name="version"/>.</summary>
    private static MemoryImage VariantApplication(FirmwareVersion version, bool signed) =>
        (signed ? Variant.Application(version) : Variant.UnsignedApplication(version)).Image;

    private static uint SecondaryBase(MemoryMap map) =>
        (map.Secondary ?? throw new InvalidOperationException("the swap variant's settings have no secondary slot")).Base;

    private static byte[] ReadFlash(Board board, uint address, int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i += 4)
            BitConverter.TryWriteBytes(bytes.AsSpan(i), board.Read(address + (uint)i));
        return bytes;
    }
}
