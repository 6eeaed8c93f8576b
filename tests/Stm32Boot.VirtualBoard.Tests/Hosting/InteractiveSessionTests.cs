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
}
