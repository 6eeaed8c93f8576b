using Stm32Boot.Uart;
using Xunit;

namespace Stm32Boot.Tests.Uart;

/// <summary>
/// The client's bytes on the line, command by command, against the streams stm32flash 0.7 was observed to
/// exchange (as measured on a pty against stm32flash 0.7; "&gt;" host to bootloader, "&lt;" back), and its answers to NACKs,
/// lost bytes and garbled replies.
/// </summary>
public class An3155ClientTests
{
    [Fact]
    public void Connect_sends_the_sync_byte_and_takes_ack()
    {
        using var session = new FakeSession();

        session.Client.Connect();

        Assert.Equal("> 7F\n< 79", session.Bootloader.Transcript);
    }

    [Fact]
    public void A_bootloader_synchronised_already_answers_the_second_sync_byte_with_nack()
    {
        using var session = new FakeSession().Connected();

        session.Client.Connect();

        Assert.Equal("> 7F 7F\n< 1F", session.Bootloader.Transcript);
    }

    [Fact]
    public void Probe_asks_version_then_commands_then_id_like_stm32flash()
    {
        using var session = new FakeSession().Connected();

        var info = session.Client.Probe();

        Assert.Equal(
            "> 01 FE\n< 79 31 00 00 79\n" +
            "> 00 FF\n< 79 07 31 00 01 02 11 21 31 44 79\n" +
            "> 02 FD\n< 79 01 04 15 79",
            session.Bootloader.Transcript);
        Assert.Equal((0x31, "3.1"), (info.ProtocolVersion, info.VersionText));
        Assert.Equal([0, 0], info.OptionBytes);
        Assert.Equal([0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44], info.Commands);
        Assert.Equal(0x0415, info.ProductId);
    }

    [Fact]
    public void Extended_erase_sends_count_minus_one_page_numbers_and_xor()
    {
        using var session = new FakeSession().Connected();

        session.Client.ExtendedErase([64, 65, 66, 67, 68, 69, 70]);

        Assert.Equal("> 44 BB\n< 79\n> 00 06 00 40 00 41 00 42 00 43 00 44 00 45 00 46 41\n< 79", session.Bootloader.Transcript);
    }

    [Fact]
    public void Bank_2_pages_continue_bank_1_numbering_as_two_byte_numbers()
    {
        using var session = new FakeSession().Connected();
        session.Bootloader.Flash.AsSpan(255 * FakeBootloader.PageSize, 2 * FakeBootloader.PageSize).Clear();

        session.Client.ExtendedErase([255, 256, 511]);

        Assert.Equal("> 44 BB\n< 79\n> 00 02 00 FF 01 00 01 FF 02\n< 79", session.Bootloader.Transcript);
        Assert.Equal([255, 256, 511], Assert.Single(session.Bootloader.Erases));
        Assert.DoesNotContain(session.Bootloader.Read(0x0807F800, 2 * FakeBootloader.PageSize), b => b != 0xFF);
    }

    [Fact]
    public void Write_memory_sends_address_then_length_minus_one_data_and_xor()
    {
        using var session = new FakeSession().Connected();

        session.Client.WriteMemory(0x08020000, [1, 2, 3, 4, 5, 6, 7, 8]);

        Assert.Equal("> 31 CE\n< 79\n> 08 02 00 00 0A\n< 79\n> 07 01 02 03 04 05 06 07 08 0F\n< 79", session.Bootloader.Transcript);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], session.Bootloader.Read(0x08020000, 8));
    }

    [Fact]
    public void Read_memory_sends_address_then_length_minus_one_and_its_complement()
    {
        using var session = new FakeSession().Connected();
        new byte[] { 0xDE, 0xAD, 0xBE, 0xEF }.CopyTo(session.Bootloader.Flash, 0x20800);

        var data = session.Client.ReadMemory(0x08020800, 4);

        Assert.Equal("> 11 EE\n< 79\n> 08 02 08 00 02\n< 79\n> 03 FC\n< 79 DE AD BE EF", session.Bootloader.Transcript);
        Assert.Equal([0xDE, 0xAD, 0xBE, 0xEF], data);
    }

    [Fact]
    public void Go_sends_the_address_of_the_vector_table()
    {
        using var session = new FakeSession().Connected();

        session.Client.Go(0x08020800);

        Assert.Equal("> 21 DE\n< 79\n> 08 02 08 00 02\n< 79", session.Bootloader.Transcript);
        Assert.Equal(0x08020800u, session.Bootloader.StartedAt);
    }

    [Fact]
    public void Busy_bytes_while_erasing_are_swallowed()
    {
        using var session = new FakeSession(device => new FakeBootloader(device) { BusyBeforeEraseAck = 3 }).Connected();

        session.Client.ExtendedErase([64]);

        Assert.EndsWith("< 76 76 76 79", session.Bootloader.Transcript);
        Assert.Empty(session.Retried);
    }

    private static readonly Dictionary<string, Action<An3155Client>> RefusedRequests = new()
    {
        ["write into the bootloader"] = c => c.WriteMemory(0x08000000, [1, 2, 3, 4]),
        ["read past the end of flash"] = c => c.ReadMemory(0x080FFF80, 256),
        ["erase bootloader pages"] = c => c.ExtendedErase([3, 4]),
        ["go elsewhere"] = c => c.Go(0x08020804),
    };

    [Theory]
    [InlineData("write into the bootloader",
        "Write Memory (0x31): the bootloader answered NACK (0x1F) to the address 0x08000000: it writes only inside the application header and image.")]
    [InlineData("read past the end of flash",
        "Read Memory (0x11): the bootloader answered NACK (0x1F) to the length 256: it refused to read 256 bytes at 0x080FFF80.")]
    [InlineData("erase bootloader pages",
        "Extended Erase (0x44): the bootloader answered NACK (0x1F) to the erase of 2 pages 3–4: it erases only the application header and image pages.")]
    [InlineData("go elsewhere",
        "Go (0x21): the bootloader answered NACK (0x1F) to the address 0x08020804: it starts only an image it accepts (check the file with `stm32boot info`).")]
    public void A_nack_is_final_and_names_the_command_and_step(string request, string expected)
    {
        using var session = new FakeSession().Connected();

        var error = Assert.Throws<An3155Exception>(() => RefusedRequests[request](session.Client));

        Assert.Equal((An3155Failure.Nack, expected), (error.Failure, error.Message));
        Assert.False(error.Retryable);
        Assert.Empty(session.Retried);
    }

    [Fact]
    public void A_command_the_bootloader_does_not_offer_is_named()
    {
        using var session = new FakeSession(device => new FakeBootloader(device) { Commands = [0x00, 0x01, 0x02, 0x11, 0x21, 0x31] }).Connected();

        var error = Assert.Throws<An3155Exception>(() => session.Client.ExtendedErase([64]));

        Assert.Equal(An3155Command.ExtendedErase, error.Command);
        Assert.Equal("Extended Erase (0x44): the bootloader answered NACK (0x1F) to the command: the bootloader does not offer this command.", error.Message);
    }

    [Fact]
    public void A_block_over_flash_that_is_not_erased_is_refused_at_the_data()
    {
        using var session = new FakeSession().Connected();
        session.Client.WriteMemory(0x08020800, [1, 2, 3, 4]);

        var error = Assert.Throws<An3155Exception>(() => session.Client.WriteMemory(0x08020800, [1, 2, 3, 4]));

        Assert.StartsWith("Write Memory (0x31): the bootloader answered NACK (0x1F) to the 4-byte block for 0x08020800: it did not program the block", error.Message);
    }

    [Fact]
    public void A_lost_ack_after_a_block_resyncs_and_reads_back_instead_of_writing_twice()
    {
        using var session = new FakeSession(device => new FakeBootloader(device) { LoseAckOfWrite = 0 }).Connected();

        session.Client.WriteMemory(0x08020800, [1, 2, 3, 4, 5, 6, 7, 8]);

        var retried = Assert.Single(session.Retried);
        Assert.Equal((An3155Command.WriteMemory, An3155Failure.NoAnswer), (retried.Command, retried.Failure));
        Assert.Equal("Write Memory (0x31): no answer within 200 ms to the 8-byte block for 0x08020800.", retried.Message);
        Assert.Equal([0x08020800u], session.Bootloader.WrittenBlocks);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], session.Bootloader.Read(0x08020800, 8));
    }

    [Fact]
    public void A_data_byte_lost_on_the_line_is_completed_by_the_resync_fill_and_the_block_sent_again()
    {
        using var session = new FakeSession(device => new FakeBootloader(device) { LoseDataByteOfWrite = 0 }).Connected();
        var block = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

        session.Client.WriteMemory(0x08020800, block);
        session.Client.WriteMemory(0x08020900, block);

        Assert.Single(session.Retried);
        Assert.Equal([0x08020800u, 0x08020900u], session.Bootloader.WrittenBlocks);
        Assert.Equal(block, session.Bootloader.Read(0x08020800, 256));
        Assert.Equal(block, session.Bootloader.Read(0x08020900, 256));
    }

    [Fact]
    public void A_garbled_ack_resyncs_and_repeats_the_command()
    {
        using var session = new FakeSession(device => new FakeBootloader(device) { GarbleAckOfCommand = 0x02 }).Connected();

        var id = session.Client.GetId();

        Assert.Equal(0x0415, id);
        var retried = Assert.Single(session.Retried);
        Assert.Equal("Get ID (0x02): expected ACK (0x79) or NACK (0x1F) after the command, got 0x00.", retried.Message);
    }

    [Fact]
    public void Without_retries_the_first_failure_is_final()
    {
        using var session = new FakeSession(device => new FakeBootloader(device) { GarbleAckOfCommand = 0x01 }, retries: 0).Connected();

        var error = Assert.Throws<An3155Exception>(() => session.Client.GetVersion());

        Assert.Equal("Get Version (0x01): expected ACK (0x79) or NACK (0x1F) after the command, got 0x00.", error.Message);
        Assert.Empty(session.Retried);
    }

    [Fact]
    public void Repeated_failures_give_up_after_the_retries_and_say_how_often_it_tried()
    {
        using var session = new FakeSession(device => new FakeBootloader(device) { GarbleAckOfCommand = 0x02, GarbleTimes = 2 }, retries: 1).Connected();

        var error = Assert.Throws<An3155Exception>(() => session.Client.GetId());

        Assert.Equal("Get ID (0x02): expected ACK (0x79) or NACK (0x1F) after the command, got 0x00; tried 2 times, resynchronising in between.", error.Message);
        Assert.Single(session.Retried);
    }

    [Fact]
    public void A_bootloader_that_falls_silent_mid_session_cannot_be_resynchronised()
    {
        var (host, device) = DuplexPipe.Create();
        using var _ = device;
        var client = new An3155Client(host) { Timeouts = FakeSession.FastTimeouts, Retries = 1 };

        var error = Assert.Throws<An3155Exception>(() => client.GetId());

        Assert.Equal(An3155Failure.NoAnswer, error.Failure);
        Assert.Equal("Get ID (0x02): lost step with the bootloader, and it answers neither a frame fill nor the sync byte.", error.Message);
    }

    [Fact]
    public void No_bootloader_on_the_line_is_reported_as_no_answer_to_sync()
    {
        var (host, device) = DuplexPipe.Create();
        using var _ = device;
        var client = new An3155Client(host) { Timeouts = FakeSession.FastTimeouts };

        var error = Assert.Throws<An3155Exception>(client.Connect);

        Assert.Equal((null, An3155Failure.NoAnswer), (error.Command, error.Failure));
        Assert.StartsWith("sync (0x7F): no answer: no bootloader is listening on this link.", error.Message);
    }

    [Fact]
    public void A_stream_without_read_timeouts_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new An3155Client(new MemoryStream()));

        Assert.Contains("must support read timeouts", error.Message);
    }
}
