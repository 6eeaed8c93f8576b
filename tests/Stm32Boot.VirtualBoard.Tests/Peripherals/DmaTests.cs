using Stm32Boot.VirtualBoard.Peripherals;
using Xunit;
using static Stm32Boot.VirtualBoard.Tests.Peripherals.Bench;

namespace Stm32Boot.VirtualBoard.Tests.Peripherals;

/// USART1 reception through DMA1 channel 5 / DMA2 channel 7 into the FakeBoard's SRAM, as RM0351 describes it.
public sealed class DmaTests
{
    private const uint DMA1 = 0x4002_0000, DMA2 = 0x4002_0400, ISR = 0x00, IFCR = 0x04, CSELR = 0xA8;
    private const uint EN = 1u << 0, TCIE = 1u << 1, HTIE = 1u << 2, TEIE = 1u << 3, DIR = 1u << 4, CIRC = 1u << 5,
        MINC = 1u << 7, PSIZE16 = 1u << 8, MSIZE16 = 1u << 10, MSIZE_RESERVED = 3u << 10, MEM2MEM = 1u << 14;
    private const uint USART1 = 0x4001_3800, CR1 = USART1 + 0x00, CR3 = USART1 + 0x08, BRR = USART1 + 0x0C,
        UISR = USART1 + 0x1C, RDR = USART1 + 0x24;
    private const uint UE = 1u << 0, RE = 1u << 2, RXNE = 1u << 5, ORE = 1u << 3, DMAR = 1u << 6;
    private const uint Buffer = 0x2000_0400;
    /// Ten bits at 80 MHz / 694.
    private const double FrameUs = 10 * 694 / 80.0;

    private readonly Bench _bench = new();
    private Usart Usart => _bench.Models.Console;
    private FakeBoard Board => _bench.Board;

    public DmaTests()
    {
        _bench.ClockTo80MHz();
        _bench.Set(RCC_APB2ENR, 1u << 14);  // USART1EN
        _bench.Set(RCC_AHB1ENR, 0b11);      // DMA1EN, DMA2EN
        _bench.Write(BRR, 694);
        _bench.Write(CR1, RE | UE);
    }

    private static uint Ccr(uint dma, int channel) => dma + 0x08 + 0x14 * (uint)(channel - 1);

    private void Configure(uint dma, int channel, uint select, uint count, uint ccr, uint memory = Buffer, uint peripheral = RDR)
    {
        var ccrAddress = Ccr(dma, channel);
        _bench.Write(dma + CSELR, select << (4 * (channel - 1)));
        _bench.Write(ccrAddress + 0x8, peripheral);
        _bench.Write(ccrAddress + 0xC, memory);
        _bench.Write(ccrAddress + 0x4, count);
        _bench.Write(ccrAddress, ccr);
    }

    private void Receive(params byte[] bytes)
    {
        Usart.HostSend(bytes);
        _bench.Clock.AdvanceMicroseconds(FrameUs * (bytes.Length + 1));
    }

    private byte[] Memory(uint address, int length) => Board.Sram.AsSpan((int)(address - FakeBoard.SramBase), length).ToArray();

    [Fact]
    public void Reset_values_are_zero_and_the_clock_gate_hides_the_registers()
    {
        Assert.Equal(0u, _bench.Read(DMA1 + ISR));
        Assert.Equal(0u, _bench.Read(Ccr(DMA1, 5)));
        _bench.Write(Ccr(DMA1, 5) + 0x4, 7);
        Assert.Equal(7u, _bench.Read(Ccr(DMA1, 5) + 0x4));
        _bench.Clear(RCC_AHB1ENR, 1);
        Assert.Equal(0u, _bench.Read(Ccr(DMA1, 5) + 0x4));
        Assert.Empty(Board.Faults);
    }

    [Fact]
    public void USART1_receive_goes_into_memory_through_DMA1_channel_5_without_anyone_reading_RDR()
    {
        Configure(DMA1, 5, 2, 16, MINC | EN);
        _bench.Write(CR3, DMAR);
        Receive(0x11, 0x22, 0x33);
        Assert.Equal(new byte[] { 0x11, 0x22, 0x33, 0x00 }, Memory(Buffer, 4));
        Assert.Equal(13u, _bench.Read(Ccr(DMA1, 5) + 0x4));
        Assert.Equal(0u, _bench.Read(UISR) & (RXNE | ORE));
        Assert.Equal(0, Usart.HostBytesLost);
        Assert.Empty(Board.Faults);
    }

    [Fact]
    public void DMA2_channel_7_serves_the_same_request()
    {
        Configure(DMA2, 7, 2, 4, MINC | EN);
        _bench.Write(CR3, DMAR);
        Receive(0xA5);
        Assert.Equal(0xA5, Memory(Buffer, 1)[0]);
        Assert.Equal(3u, _bench.Read(Ccr(DMA2, 7) + 0x4));
    }

    [Fact]
    public void Without_the_request_routed_to_the_channel_the_receiver_overruns()
    {
        Configure(DMA1, 5, 3, 16, MINC | EN); // C5S = 3 is another peripheral's request
        _bench.Write(CR3, DMAR);
        Receive(0x11, 0x22);
        Assert.Equal(16u, _bench.Read(Ccr(DMA1, 5) + 0x4));
        Assert.Equal(RXNE | ORE, _bench.Read(UISR) & (RXNE | ORE));
        Assert.Equal(1, Usart.HostBytesLost);
    }

    [Fact]
    public void A_byte_waiting_in_RDR_is_taken_when_the_channel_is_enabled()
    {
        _bench.Write(CR3, DMAR);
        Receive(0x5A);
        Assert.Equal(RXNE, _bench.Read(UISR) & RXNE);
        Configure(DMA1, 5, 2, 8, MINC | EN);
        Assert.Equal(0x5A, Memory(Buffer, 1)[0]);
        Assert.Equal(0u, _bench.Read(UISR) & RXNE);
    }

    [Fact]
    public void Circular_mode_wraps_with_half_and_complete_flags_and_their_interrupt()
    {
        Configure(DMA1, 5, 2, 4, MINC | CIRC | HTIE | TCIE | EN);
        _bench.Write(CR3, DMAR);
        Receive(1);
        Assert.Equal(0u, _bench.Read(DMA1 + ISR));
        Assert.False(Board.Irq(15));
        Receive(2);
        Assert.Equal(0x5u << 16, _bench.Read(DMA1 + ISR)); // GIF5 | HTIF5
        Assert.True(Board.Irq(15));                         // DMA1 channel 5 global interrupt
        _bench.Write(DMA1 + IFCR, 1u << 16);                // CGIF5 clears every flag of the channel
        Assert.Equal(0u, _bench.Read(DMA1 + ISR));
        Assert.False(Board.Irq(15));
        Receive(3, 4);
        Assert.Equal(0x3u << 16, _bench.Read(DMA1 + ISR)); // GIF5 | TCIF5
        Assert.Equal(4u, _bench.Read(Ccr(DMA1, 5) + 0x4)); // reloaded
        Receive(5);
        Assert.Equal(new byte[] { 5, 2, 3, 4 }, Memory(Buffer, 4));
    }

    [Fact]
    public void Normal_mode_stops_at_zero_and_the_receiver_overruns_after()
    {
        Configure(DMA1, 5, 2, 2, MINC | EN);
        _bench.Write(CR3, DMAR);
        Receive(1, 2, 3, 4);
        Assert.Equal(0u, _bench.Read(Ccr(DMA1, 5) + 0x4));
        Assert.Equal(new byte[] { 1, 2, 0 }, Memory(Buffer, 3));
        Assert.Equal(RXNE | ORE, _bench.Read(UISR) & (RXNE | ORE));
    }

    [Fact]
    public void Sixteen_bit_transfers_carry_the_parity_bit_of_RDR()
    {
        _bench.Write(CR1, 0);
        _bench.Write(CR1, (1u << 12) | (1u << 10) | RE | UE); // M0 + PCE: 8 data bits + even parity
        Configure(DMA1, 5, 2, 4, PSIZE16 | MSIZE16 | MINC | EN);
        _bench.Write(CR3, DMAR);
        Receive(0x01, 0x03);
        Assert.Equal(new byte[] { 0x01, 0x01, 0x03, 0x00 }, Memory(Buffer, 4)); // 0x101: parity bit 8 set for one 1 bit
    }

    [Fact]
    public void A_bus_error_sets_TEIF_and_disables_the_channel()
    {
        Configure(DMA1, 5, 2, 4, MINC | TEIE | EN, memory: 0x3000_0000); // nothing answers there
        _bench.Write(CR3, DMAR);
        Receive(1);
        Assert.Equal(0x9u << 16, _bench.Read(DMA1 + ISR)); // GIF5 | TEIF5
        Assert.Equal(0u, _bench.Read(Ccr(DMA1, 5)) & EN);
        Assert.True(Board.Irq(15));
        Assert.Empty(Board.Faults);
    }

    [Fact]
    public void A_transfer_that_does_not_serve_its_request_faults()
    {
        // DIR = 1 reads memory: with the USART1_RX request each received byte would move a memory byte into the
        // read-only USART_RDR, RXNE would stay set, and silicon would repeat the transfer at bus speed.
        Board.Sram[Buffer - FakeBoard.SramBase] = 0x77;
        Configure(DMA1, 5, 2, 4, DIR | MINC | EN);
        _bench.Write(CR3, DMAR);
        Receive(1);
        Assert.Contains(Board.Faults, f => f.Contains("request stayed high"));
    }

    [Fact]
    public void Unmodelled_or_forbidden_configurations_fault()
    {
        Configure(DMA1, 5, 2, 4, MINC | EN);
        _bench.Write(Ccr(DMA1, 5) + 0x8, 0x4001_3828);
        Assert.Contains(Board.Faults, f => f.Contains("DMA_CPAR5 written while the channel is enabled"));
        _bench.Write(Ccr(DMA1, 5), MINC | CIRC | EN);
        Assert.Contains(Board.Faults, f => f.Contains("changed from"));
        Board.Faults.Clear();
        _bench.Write(Ccr(DMA1, 5), 0); // disabling may rewrite the configuration in the same write
        Assert.Empty(Board.Faults);
        _bench.Write(Ccr(DMA1, 5), MEM2MEM);
        Assert.Contains(Board.Faults, f => f.Contains("MEM2MEM"));
        _bench.Write(Ccr(DMA1, 5), MSIZE_RESERVED);
        Assert.Contains(Board.Faults, f => f.Contains("reserved size"));
    }

    [Fact]
    public void A_reset_pulse_of_RCC_AHB1RSTR_returns_DMA1_to_reset_values()
    {
        Configure(DMA1, 5, 2, 4, MINC | EN);
        _bench.Set(RCC_AHB1RSTR, 1);
        _bench.Clear(RCC_AHB1RSTR, 1);
        Assert.Equal(0u, _bench.Read(Ccr(DMA1, 5)));
        Assert.Equal(0u, _bench.Read(DMA1 + CSELR));
    }
}
