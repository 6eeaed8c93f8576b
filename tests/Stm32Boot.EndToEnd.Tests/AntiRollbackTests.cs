using Stm32Boot.VirtualBoard;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// The anti-rollback minimum in the OTP area (bootloader/core/rollback.h; RM0351 §3.3.1: 1 KB, 128 double words, each
/// programmed once and never erased), as the shipped bootloader keeps it: raised at the boot of a confirmed image
/// whose security counter is higher, one record (counter, then its complement) per raise; read back at every reset,
/// a torn record (a power cut during its programming, which reads with an ECC double error and the NMI) skipped.
/// </summary>
public sealed class AntiRollbackTests
{
    private static readonly uint ShippedCounter = Shipped.Settings.SecurityCounter;
    private const int Records = 128;

    private static byte[] Record(uint counter) => [.. BitConverter.GetBytes(counter), .. BitConverter.GetBytes(~counter)];

    private static byte[] RecordAt(Board board, int index) => board.Otp.AsSpan(index * 8, 8).ToArray();

    private static bool Erased(byte[] bytes) => bytes.All(b => b == 0xFF);

    [Fact]
    public void The_first_boot_records_the_shipped_counter_once_and_later_boots_leave_the_OTP_as_it_is()
    {
        using var board = VirtualBoards.With(Shipped.Factory());
        Assert.True(Erased(board.Otp));
        Assert.Equal(VirtualBoards.BootsShipped, board.PowerOnAndReadVerdict());
        Assert.Contains(board.Uart.Lines, l => l.Text == $"rollback: minimum {ShippedCounter}");
        Assert.Equal(Record(ShippedCounter), RecordAt(board, 0));
        Assert.True(Erased(board.Otp[8..]));

        board.PressResetButton();
        Assert.Equal(VirtualBoards.BootsShipped, board.NextVerdict());
        Assert.Single(board.Uart.Lines, l => l.Text.StartsWith("rollback: "));
        Assert.True(Erased(board.Otp[8..]));
    }

    [Fact]
    public void An_image_below_the_recorded_minimum_is_not_started_and_nothing_is_written()
    {
        using var board = VirtualBoards.With(Shipped.Factory());
        board.ProgramOtp(Machine.OtpBase, Record(ShippedCounter + 4));
        var before = board.Otp;

        Assert.Equal($"stay: security counter {ShippedCounter} below minimum {ShippedCounter + 4}", board.PowerOnAndReadVerdict());
        Assert.Equal(before, board.Otp);
    }

    [Fact]
    public void A_torn_record_is_skipped_and_the_next_raise_goes_into_the_double_word_after_it()
    {
        using var board = VirtualBoards.With(Shipped.Factory());
        board.ProgramOtp(Machine.OtpBase, Record(0));
        board.Peripherals.Flash.TearDoubleWordProgram(Machine.OtpBase + 8);
        Assert.True(board.Peripherals.Flash.HasEccError(Machine.OtpBase + 8));

        // Reading the torn record raises the NMI (ECCD with SYSF_ECC); the bootloader's handler returns, the record
        // does not count, and the boot goes on.
        Assert.Equal(VirtualBoards.BootsShipped, board.PowerOnAndReadVerdict());
        Assert.Contains(board.Uart.Lines, l => l.Text == $"rollback: minimum {ShippedCounter}");
        Assert.Equal(Record(0), RecordAt(board, 0));
        Assert.Equal(Record(ShippedCounter), RecordAt(board, 2));
        Assert.True(Erased(board.Otp[24..]));
    }

    [Fact]
    public void A_full_OTP_area_keeps_its_minimum_and_the_image_still_starts()
    {
        using var board = VirtualBoards.With(Shipped.Factory());
        board.ProgramOtp(Machine.OtpBase, [.. Enumerable.Range(0, Records).SelectMany(_ => Record(0))]);

        Assert.Equal(VirtualBoards.BootsShipped, board.PowerOnAndReadVerdict());
        Assert.Contains(board.Uart.Lines, l => l.Text == "rollback: OTP full, minimum stays 0");
    }
}
