using System.Diagnostics;
using System.Net.Sockets;
using Stm32Boot.VirtualBoard.Hosting;
using Stm32Boot.VirtualBoard.Tests.Core;
using Xunit;

namespace Stm32Boot.VirtualBoard.Tests.Hosting;

public sealed class InteractiveSessionTests
{
    // Echoes every USART1 byte plus one, polling RXNE/TXE, at 115200 baud from the 4 MHz reset clock.
    private static readonly TestFirmware Echo = TestFirmware.Build("""
        #define USART1_CR1 REG(0x40013800)
        #define USART1_BRR REG(0x4001380C)
        #define USART1_ISR REG(0x4001381C)
        #define USART1_RDR REG(0x40013824)
        #define USART1_TDR REG(0x40013828)
        int main(void)
        {
            REG(0x40021060) |= 1u << 14;                      // RCC_APB2ENR.USART1EN
            USART1_BRR = 4000000 / 115200;
            USART1_CR1 = (1u << 3) | (1u << 2) | (1u << 0);   // TE, RE, UE
            for (;;)
            {
                while (!(USART1_ISR & (1u << 5))) {}          // RXNE
                uint8_t b = (uint8_t)USART1_RDR;
                while (!(USART1_ISR & (1u << 7))) {}          // TXE
                USART1_TDR = (uint8_t)(b + 1);
            }
        }
        """);

    [Fact]
    public async Task A_TCP_client_talks_to_the_firmware_in_paced_virtual_time()
    {
        using var board = new Board();
        board.Machine.LoadFlash(Machine.FlashBase, Echo.Image);
        using var link = new TcpLink(0);
        var session = new InteractiveSession(board, link);
        board.PowerOn();
        using var stop = new CancellationTokenSource();
        var wall = Stopwatch.StartNew();
        var run = Task.Run(() => session.Run(null, stop.Token));

        using var client = new TcpClient("127.0.0.1", link.Port);
        using var stream = client.GetStream();
        stream.ReadTimeout = 20_000;
        // Bytes sent before the firmware enables its receiver are lost, as on the board: let it start first.
        while (board.NowPs < 20 * Board.Millisecond) await Task.Delay(10);
        stream.Write("HAL"u8);
        var back = new byte[3];
        var at = 0;
        while (at < 3) at += stream.Read(back, at, 3 - at);
        Assert.Equal("IBM"u8.ToArray(), back);

        await Task.Delay(200);
        stop.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        wall.Stop();
        // Pacing: while the firmware only polls, virtual time does not run ahead of the wall clock (by more than
        // the instructions of one block), although the emulator could skip it far faster; so a host byte never
        // waits for virtual time to catch up with it.
        var wallPs = (ulong)wall.Elapsed.Ticks * 100_000;
        Assert.True(board.NowPs <= wallPs + Board.Millisecond, $"virtual {board.NowPs / 1e9:F1} ms ran ahead of wall {wallPs / 1e9:F1} ms");
        Assert.True(board.NowPs >= 150 * Board.Millisecond, $"virtual time only reached {board.NowPs / 1e9:F1} ms");
    }

    // Sleeps in WFI; SysTick (reload value: 10 ms at the 4 MHz reset clock, or 1 s) counts in RESULT[1]; USART1's
    // RXNE interrupt (IRQ 37, RM0351 Table 57) echoes every byte plus one.
    private static TestFirmware SleepingEcho(uint reload) => TestFirmware.Build($$"""
        #define USART1_CR1 REG(0x40013800)
        #define USART1_BRR REG(0x4001380C)
        #define USART1_ISR REG(0x4001381C)
        #define USART1_RDR REG(0x40013824)
        #define USART1_TDR REG(0x40013828)
        void SysTick_Handler(void) { RESULT[1]++; }
        void IRQ37_Handler(void)
        {
            uint8_t b = (uint8_t)USART1_RDR;
            while (!(USART1_ISR & (1u << 7))) {}              // TXE
            USART1_TDR = (uint8_t)(b + 1);
        }
        int main(void)
        {
            REG(0x40021060) |= 1u << 14;                      // RCC_APB2ENR.USART1EN
            USART1_BRR = 4000000 / 115200;
            USART1_CR1 = (1u << 5) | (1u << 3) | (1u << 2) | (1u << 0);   // RXNEIE, TE, RE, UE
            NVIC_ISER(1) = 1u << (37 - 32);
            SYST_RVR = {{reload}}; SYST_CVR = 0; SYST_CSR = 7;
            for (;;) __asm volatile("wfi");
        }
        """);

    [Fact]
    public void A_sleeping_board_costs_the_host_a_look_per_event_not_a_spinning_loop()
    {
        using var board = new Board();
        board.Machine.LoadFlash(Machine.FlashBase, SleepingEcho(39_999).Image);
        using var link = new TcpLink(0);
        var session = new InteractiveSession(board, link);
        board.PowerOn();
        // Paced, 300 ms of virtual time: 30 SysTick wake-ups. The session may look at the board a few times per
        // wake-up (the event, the handler's run, the wait for the next one) and once per longest idle wait; a session
        // that spins while the core sleeps looks hundreds of thousands of times.
        session.Run(300 * Board.Millisecond, CancellationToken.None);

        var ticks = board.Machine.ReadWord(TestFirmware.ResultsBase + 4);
        Assert.InRange(ticks, 29u, 30u);
        Assert.True(session.Looks <= 4 * ticks + 20, $"{session.Looks} looks at the board for {ticks} SysTick wake-ups");
        Assert.True(board.Machine.EngineEntries <= 3 * ticks + 10, $"{board.Machine.EngineEntries} CPU runs for {ticks} SysTick wake-ups");
    }

    [Fact]
    public void A_board_polling_for_a_byte_that_never_comes_costs_the_host_next_to_nothing()
    {
        using var board = new Board();
        board.Machine.LoadFlash(Machine.FlashBase, Echo.Image);
        using var link = new TcpLink(0);
        var session = new InteractiveSession(board, link);
        board.PowerOn();
        // The echo firmware spins on RXNE; nothing is scheduled, so the session sleeps until the host sends (or its
        // longest idle wait, 100 ms, has passed) instead of running the loop.
        session.Run(300 * Board.Millisecond, CancellationToken.None);

        Assert.True(session.Looks <= 30, $"{session.Looks} looks at a board that waits for a byte");
        Assert.True(board.Machine.EngineEntries <= 30, $"{board.Machine.EngineEntries} CPU runs of a board that waits for a byte");
    }

    [Fact]
    public async Task A_byte_sent_to_a_sleeping_board_lands_at_the_virtual_time_it_was_sent_and_is_answered()
    {
        using var board = new Board();
        board.Machine.LoadFlash(Machine.FlashBase, SleepingEcho(3_999_999).Image);
        using var link = new TcpLink(0);
        var session = new InteractiveSession(board, link);
        board.PowerOn();
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => session.Run(null, stop.Token));

        using var client = new TcpClient("127.0.0.1", link.Port);
        using var stream = client.GetStream();
        stream.ReadTimeout = 20_000;
        // The session's wall clock has reached 100 ms once the board has; 50 ms later it is past 150 ms, while the
        // board, asleep until its first SysTick at 1 s, may still stand where the session last brought it (100 ms).
        while (board.NowPs < 100 * Board.Millisecond) await Task.Delay(5);
        await Task.Delay(50);
        stream.Write("A"u8);
        Assert.Equal((byte)'B', (byte)stream.ReadByte());

        stop.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        // The board was brought up to the wall clock's present before the byte landed, not left where it fell asleep.
        var answeredAt = board.Uart.Bytes.Single().AtPs;
        Assert.True(answeredAt >= 150 * Board.Millisecond, $"answered at {answeredAt / 1e9:F3} ms of virtual time, before the byte was sent");
    }
}
