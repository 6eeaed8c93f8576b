using Stm32Boot.VirtualBoard.Peripherals;
using Xunit;
using static Stm32Boot.VirtualBoard.Tests.Peripherals.Bench;

namespace Stm32Boot.VirtualBoard.Tests.Peripherals;

public sealed class UsartTests
{
    private const uint USART1 = 0x4001_3800, CR1 = USART1 + 0x00, CR2 = USART1 + 0x04, CR3 = USART1 + 0x08,
        BRR = USART1 + 0x0C, RQR = USART1 + 0x18, ISR = USART1 + 0x1C, ICR = USART1 + 0x20, RDR = USART1 + 0x24,
        TDR = USART1 + 0x28;
    private const uint UE = 1u << 0, RE = 1u << 2, TE = 1u << 3, IDLEIE = 1u << 4, RXNEIE = 1u << 5,
        TCIE = 1u << 6, PCE = 1u << 10, M0 = 1u << 12, OVER8 = 1u << 15;
    private const uint PE = 1u << 0, FE = 1u << 1, ORE = 1u << 3, IDLE = 1u << 4, RXNE = 1u << 5, TC = 1u << 6,
        TXE = 1u << 7, ABRE = 1u << 14, ABRF = 1u << 15, BUSY = 1u << 16, TEACK = 1u << 21, REACK = 1u << 22;
    private const uint ABREN = 1u << 20, ABRMOD_0X7F = 2u << 21, ABRMOD_0X55 = 3u << 21, OVRDIS = 1u << 12;
    /// 80 MHz / 694 = 115 273 Bd; ten bits take 86.75 µs.
    private const uint Brr115200 = 694;
    private const double FrameUs = 10 * 694 / 80.0;

    private readonly Bench _bench = new();
    private readonly List<(byte Value, ulong TimePs)> _sent = new();
    private Usart Usart => _bench.Models.Console;

    public UsartTests()
    {
        _bench.ClockTo80MHz();
        _bench.Set(RCC_APB2ENR, 1u << 14); // RCC_APB2ENR.USART1EN
        Usart.Transmitted += value => _sent.Add((value, _bench.Clock.NowPs));
    }

    private void Enable(uint cr1, uint brr = Brr115200)
    {
        _bench.Write(BRR, brr);
        _bench.Write(CR1, cr1 | UE);
    }

    [Fact]
    public void Reset_values_match_RM0351()
    {
        Assert.Equal(0x0200_00C0u, _bench.Read(ISR));
        Assert.Equal(0u, _bench.Read(CR1));
        Assert.Equal(0u, _bench.Read(BRR));
        Assert.False(Usart.Enabled);
        Assert.Equal(0, Usart.BaudRate);
    }

    [Fact]
    public void Baud_rate_follows_BRR_and_the_kernel_clock()
    {
        _bench.Write(BRR, Brr115200);
        Assert.Equal(115_273, Usart.BaudRate);
        _bench.Write(CR1, OVER8);
        _bench.Write(BRR, 0x566); // USARTDIV 1389 with OVER8: BRR[2:0] = USARTDIV[3:0] >> 1
        Assert.Equal(115_273, Usart.BaudRate); // USARTDIV[0] is lost: 160 MHz / 1388
    }

    [Fact]
    public void Transmit_sends_an_idle_frame_first_then_the_byte_one_frame_later()
    {
        var start = _bench.Clock.NowPs;
        Enable(TE);
        Assert.Equal(TEACK, _bench.Read(ISR) & TEACK);
        _bench.Write(TDR, 'L');
        Assert.Equal(0u, _bench.Read(ISR) & (TXE | TC)); // waits behind the idle frame

        _bench.Clock.AdvanceMicroseconds(FrameUs);
        Assert.Equal(TXE, _bench.Read(ISR) & (TXE | TC)); // in the shift register now
        _bench.Clock.AdvanceMicroseconds(FrameUs);

        var sent = Assert.Single(_sent);
        Assert.Equal((byte)'L', sent.Value);
        Assert.InRange(sent.TimePs - start, 173_400_000UL, 173_600_000UL);
        Assert.Equal(TXE | TC, _bench.Read(ISR) & (TXE | TC));
        Assert.Empty(_bench.Board.Faults);
    }

    [Fact]
    public void Double_buffering_keeps_frames_back_to_back()
    {
        Enable(TE);
        _bench.Clock.AdvanceMicroseconds(FrameUs);
        foreach (var c in "ok\r\n")
        {
            while ((_bench.Read(ISR) & TXE) == 0) _bench.Clock.AdvanceMicroseconds(1);
            _bench.Write(TDR, c);
        }
        _bench.Clock.AdvanceMicroseconds(5 * FrameUs);

        Assert.Equal("ok\r\n"u8.ToArray(), _sent.Select(s => s.Value).ToArray());
        var gaps = _sent.Zip(_sent.Skip(1), (a, b) => (b.TimePs - a.TimePs) / 1e6).ToArray();
        Assert.All(gaps, gap => Assert.InRange(gap, FrameUs - 0.01, FrameUs + 0.01));
    }

    [Fact]
    public void Transmission_complete_raises_USART1_IRQ_with_TCIE()
    {
        Enable(TE | TCIE);
        _bench.Clock.AdvanceMicroseconds(FrameUs);
        _bench.Write(TDR, 'x');
        Assert.False(_bench.Board.Irq(UsartInstance.Usart1.Irq));
        _bench.Clock.AdvanceMicroseconds(FrameUs);
        Assert.True(_bench.Board.Irq(UsartInstance.Usart1.Irq));
        _bench.Write(ICR, TC);
        Assert.False(_bench.Board.Irq(UsartInstance.Usart1.Irq));
    }

    [Fact]
    public void A_host_byte_arrives_one_frame_later_and_reading_RDR_clears_RXNE()
    {
        Enable(RE | RXNEIE);
        Assert.Equal(REACK, _bench.Read(ISR) & REACK);
        Usart.HostSend("v"u8);
        Assert.Equal(BUSY, _bench.Read(ISR) & BUSY);
        _bench.Clock.AdvanceMicroseconds(FrameUs - 0.1);
        Assert.Equal(0u, _bench.Read(ISR) & RXNE);
        _bench.Clock.AdvanceMicroseconds(0.2);

        Assert.Equal(RXNE, _bench.Read(ISR) & (RXNE | FE | PE | ORE | BUSY));
        Assert.True(_bench.Board.Irq(UsartInstance.Usart1.Irq));
        Assert.Equal((uint)'v', _bench.Read(RDR));
        Assert.Equal(0u, _bench.Read(ISR) & RXNE);
        Assert.False(_bench.Board.Irq(UsartInstance.Usart1.Irq));
    }

    [Fact]
    public void An_unread_byte_makes_the_next_one_overrun()
    {
        Enable(RE);
        Usart.HostSend("ab"u8);
        _bench.Clock.AdvanceMicroseconds(2 * FrameUs + 1);

        Assert.Equal(RXNE | ORE, _bench.Read(ISR) & (RXNE | ORE));
        Assert.Equal((uint)'a', _bench.Read(RDR));
        Assert.Equal(1, Usart.HostBytesLost);
    }

    [Fact]
    public void With_overrun_disabled_the_newest_byte_wins()
    {
        _bench.Write(CR3, OVRDIS);
        Enable(RE);
        Usart.HostSend("ab"u8);
        _bench.Clock.AdvanceMicroseconds(2 * FrameUs + 1);
        Assert.Equal(0u, _bench.Read(ISR) & ORE);
        Assert.Equal((uint)'b', _bench.Read(RDR));
    }

    [Fact]
    public void Even_parity_frames_carry_the_parity_bit_in_RDR_bit_8()
    {
        Enable(RE | M0 | PCE); // 8E1: 9-bit word, parity enabled
        Usart.HostSend([0x7F, 0x31]);
        _bench.Clock.AdvanceMicroseconds(11 * 694 / 80.0 + 0.1);
        Assert.Equal(0x17Fu, _bench.Read(RDR)); // seven ones: the parity bit is 1
        _bench.Clock.AdvanceMicroseconds(11 * 694 / 80.0);
        Assert.Equal(0x131u, _bench.Read(RDR)); // three ones: the parity bit makes them four
        Assert.Equal(0u, _bench.Read(ISR) & (PE | FE));
    }

    [Fact]
    public void Auto_baud_on_0x7F_measures_the_host_and_writes_BRR()
    {
        _bench.Write(CR2, ABREN | ABRMOD_0X7F);
        Enable(RE | M0 | PCE);
        Usart.HostBaudRate = 57_600;
        Usart.HostSend([0x7F]);
        _bench.Clock.AdvanceMicroseconds(11 * 1e6 / 57_600 + 1);

        Assert.Equal(ABRF | RXNE, _bench.Read(ISR) & (ABRF | ABRE | RXNE | FE | PE));
        Assert.Equal(1389u, _bench.Read(BRR)); // 80 MHz / 57 600 Bd
        Assert.Equal(0x7Fu, _bench.Read(RDR) & 0xFF);
        Assert.InRange(Usart.BaudRate, 57_550, 57_650);
    }

    [Fact]
    public void Auto_baud_on_0x55_rejects_another_character_until_ABRRQ()
    {
        _bench.Write(CR2, ABREN | ABRMOD_0X55);
        Enable(RE);
        Usart.HostBaudRate = 57_600;
        Usart.HostSend([0x7F]);
        _bench.Clock.AdvanceMicroseconds(200);
        Assert.Equal(ABRF | ABRE, _bench.Read(ISR) & (ABRF | ABRE | RXNE));
        Assert.Equal(Brr115200, _bench.Read(BRR));

        _bench.Write(RQR, 1); // ABRRQ
        Assert.Equal(0u, _bench.Read(ISR) & (ABRF | ABRE));
        Usart.HostSend([0x55]);
        _bench.Clock.AdvanceMicroseconds(200);
        Assert.Equal(ABRF | RXNE, _bench.Read(ISR) & (ABRF | ABRE | RXNE));
        Assert.Equal(1389u, _bench.Read(BRR));
    }

    [Fact]
    public void A_host_at_half_the_baud_rate_is_received_as_garbage_with_a_framing_error()
    {
        Enable(RE);
        Usart.HostBaudRate = 57_600;
        Usart.HostSend([0x55]);
        _bench.Clock.AdvanceMicroseconds(200);
        // Each host bit spans two receiver bits: 0 1 0 1 0 ... sampled as 0110 0110, stop bit sampled low.
        Assert.Equal(0x66u, _bench.Read(RDR));
        Assert.Equal(FE, _bench.Read(ISR) & FE);
    }

    [Fact]
    public void Idle_line_is_flagged_one_frame_after_the_last_byte()
    {
        Enable(RE | IDLEIE);
        Usart.HostSend("z"u8);
        _bench.Clock.AdvanceMicroseconds(FrameUs + 0.1);
        _bench.Read(RDR);
        Assert.Equal(0u, _bench.Read(ISR) & IDLE);
        _bench.Clock.AdvanceMicroseconds(FrameUs);
        Assert.Equal(IDLE, _bench.Read(ISR) & IDLE);
        Assert.True(_bench.Board.Irq(UsartInstance.Usart1.Irq));
        _bench.Write(ICR, IDLE);
        Assert.False(_bench.Board.Irq(UsartInstance.Usart1.Irq));
    }

    [Fact]
    public void Bytes_sent_to_a_disabled_receiver_are_lost()
    {
        Enable(TE);
        Usart.HostSend("lost"u8);
        _bench.Clock.AdvanceMicroseconds(10 * FrameUs);
        Assert.Equal(4, Usart.HostBytesLost);
        Assert.Equal(0u, _bench.Read(ISR) & RXNE);
    }

    [Fact]
    public void Configuration_changes_while_enabled_stop_the_run()
    {
        Enable(TE);
        _bench.Write(BRR, 35);
        Assert.Contains(_bench.Board.Faults, f => f.Contains("USART_BRR") && f.Contains("UE = 1"));
        Assert.Equal(Brr115200, _bench.Read(BRR));
    }

    [Fact]
    public void Sending_with_the_usart_disabled_stops_the_run()
    {
        _bench.Write(TDR, 'x');
        Assert.Contains(_bench.Board.Faults, f => f.Contains("UE = 0"));
    }

    [Fact]
    public void Enabling_without_a_valid_BRR_stops_the_run()
    {
        _bench.Write(CR1, UE | TE);
        Assert.Contains(_bench.Board.Faults, f => f.Contains("USARTDIV 0"));
    }

    [Fact]
    public void Clearing_UE_returns_the_status_flags_to_reset()
    {
        Enable(RE);
        Usart.HostSend("q"u8);
        _bench.Clock.AdvanceMicroseconds(FrameUs + 1);
        _bench.Write(CR1, 0);
        Assert.Equal(0x0200_00C0u, _bench.Read(ISR));
    }

    [Fact]
    public void Dma_transmission_is_not_modelled_and_says_so()
    {
        _bench.Write(CR3, 1u << 6); // DMAR: reception through DMA is modelled (DmaTests)
        Assert.Empty(_bench.Board.Faults);
        _bench.Write(CR3, 1u << 7); // DMAT
        Assert.Contains(_bench.Board.Faults, f => f.Contains("DMA transmission"));
    }
}
