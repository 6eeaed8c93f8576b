// DMA1 or DMA2 (RM0351 §11): seven channels, each moving data between a peripheral register and memory on the
// request line DMA_CSELR routes to it. Modelled: both directions, 8/16/32-bit sizes on either side, address
// increments, circular mode, the half-transfer, transfer-complete and transfer-error flags with their interrupts,
// the clock gate. A transfer happens the instant its request rises (a few AHB cycles on silicon), one per request,
// and needs no CPU: it goes on while the core is stalled. Memory-to-memory mode is not modelled. With one request
// line wired (USART1_RX) the channel priority (PL) never has to arbitrate; it is kept as written.
namespace Stm32Boot.VirtualBoard.Peripherals;

public sealed class Dma : MmioPeripheral
{
    public const uint Dma1Base = 0x4002_0000, Dma2Base = 0x4002_0400;
    public const int Channels = 7;

    private const uint DMA_ISR = 0x00, DMA_IFCR = 0x04, DMA_CSELR = 0xA8;
    private const uint ChannelBase = 0x08, ChannelStride = 0x14;
    private const uint DMA_CCR = 0x0, DMA_CNDTR = 0x4, DMA_CPAR = 0x8, DMA_CMAR = 0xC;

    // DMA_CCRx (RM0351, DMA channel x configuration register)
    private const uint DMA_CCR_EN = 1u << 0, DMA_CCR_TCIE = 1u << 1, DMA_CCR_HTIE = 1u << 2, DMA_CCR_TEIE = 1u << 3,
        DMA_CCR_DIR = 1u << 4, DMA_CCR_CIRC = 1u << 5, DMA_CCR_PINC = 1u << 6, DMA_CCR_MINC = 1u << 7,
        DMA_CCR_PSIZE = 3u << 8, DMA_CCR_MSIZE = 3u << 10, DMA_CCR_PL = 3u << 12, DMA_CCR_MEM2MEM = 1u << 14;
    private const uint DMA_CCR_WRITABLE = 0x7FFF;
    private const uint DMA_CCR_INTERRUPTS = DMA_CCR_TCIE | DMA_CCR_HTIE | DMA_CCR_TEIE;

    // DMA_ISR / DMA_IFCR: four bits per channel from bit 4 * (channel - 1).
    private const uint GIF = 1u << 0, TCIF = 1u << 1, HTIF = 1u << 2, TEIF = 1u << 3;

    /// RM0351 Table 57 (vector table): the global interrupt of each channel.
    private static readonly int[] Dma1Irqs = [11, 12, 13, 14, 15, 16, 17];
    private static readonly int[] Dma2Irqs = [56, 57, 58, 59, 60, 68, 69];

    private readonly Rcc _rcc;
    private readonly ClockGate _gate;
    private readonly int[] _irqs;
    private readonly Channel[] _channels = Enumerable.Range(1, Channels).Select(n => new Channel(n)).ToArray();
    private readonly List<(int Channel, uint Select, DmaRequest Line)> _routes = new();
    private uint _isr, _cselr;

    private sealed class Channel(int number)
    {
        public int Number { get; } = number;
        public uint Ccr, Cndtr, Cpar, Cmar;
        /// The count CNDTR was last written with: circular mode reloads it, half transfer is half of it.
        public uint Reload;
        /// Transfers since the channel was enabled or reloaded: the offset of the internal address pointers.
        public uint Done;
        public bool Enabled => (Ccr & DMA_CCR_EN) != 0;
    }

    /// instance: 1 for DMA1 (0x40020000), 2 for DMA2 (0x40020400).
    public Dma(IBoard board, Rcc rcc, int instance)
        : base(board, $"DMA{instance}", instance == 1 ? Dma1Base : instance == 2 ? Dma2Base : throw new ArgumentOutOfRangeException(nameof(instance), instance, "The STM32L475 has DMA1 and DMA2."), 0x400)
    {
        _rcc = rcc;
        _gate = new ClockGate(Rcc.RCC_AHB1ENR, instance - 1); // RCC_AHB1ENR.DMA1EN (bit 0), DMA2EN (bit 1)
        _irqs = instance == 1 ? Dma1Irqs : Dma2Irqs;
        rcc.PeripheralReset += gate =>
        {
            if (gate == _gate) Reset(ResetKind.System);
        };
        Reset(ResetKind.PowerOn);
    }

    /// Wires a peripheral's request to a channel: the channel serves it while DMA_CSELR.CxS = select (RM0351, the
    /// DMA1 and DMA2 request mapping tables).
    public void Route(int channel, uint select, DmaRequest line)
    {
        if (channel is < 1 or > Channels) throw new ArgumentOutOfRangeException(nameof(channel), channel, "DMA channels are 1..7.");
        if (select > 0xF) throw new ArgumentOutOfRangeException(nameof(select), select, "DMA_CSELR.CxS is 4 bits wide.");
        _routes.Add((channel, select, line));
        line.Raised += () => Serve(_channels[channel - 1]);
    }

    public override void Reset(ResetKind kind)
    {
        foreach (var channel in _channels)
            channel.Ccr = channel.Cndtr = channel.Cpar = channel.Cmar = channel.Reload = channel.Done = 0;
        _isr = _cselr = 0;
        UpdateIrqs();
    }

    private protected override bool IsInterfaceClocked(uint offset) => _rcc.IsClocked(_gate);

    private protected override uint ReadRegister(uint offset)
    {
        switch (offset)
        {
            case DMA_ISR: return _isr;
            case DMA_IFCR: return 0; // write-only
            case DMA_CSELR: return _cselr;
        }
        if (ChannelRegister(offset) is not { } found)
        {
            Unmodelled(offset, "read");
            return 0;
        }
        var (channel, register) = found;
        return register switch
        {
            DMA_CCR => channel.Ccr,
            DMA_CNDTR => channel.Cndtr,
            DMA_CPAR => channel.Cpar,
            _ => channel.Cmar,
        };
    }

    private protected override void WriteRegister(uint offset, uint value, uint mask)
    {
        switch (offset)
        {
            case DMA_ISR: return; // read-only
            case DMA_IFCR:
                _isr &= ~(ExpandGlobalClears(value & mask) & 0x0FFF_FFFF);
                UpdateIrqs();
                return;
            case DMA_CSELR:
                _cselr = Merge(_cselr, value, mask) & 0x0FFF_FFFF;
                foreach (var channel in _channels) Serve(channel);
                return;
        }
        if (ChannelRegister(offset) is not { } target)
        {
            Unmodelled(offset, "write");
            return;
        }
        var (ch, register) = target;
        switch (register)
        {
            case DMA_CCR: WriteCcr(ch, Merge(ch.Ccr, value, mask) & DMA_CCR_WRITABLE); break;
            case DMA_CNDTR:
                if (RefuseWhileEnabled(ch, "DMA_CNDTR", "read-only")) return;
                ch.Cndtr = ch.Reload = Merge(ch.Cndtr, value, mask) & 0xFFFF;
                break;
            case DMA_CPAR:
                if (RefuseWhileEnabled(ch, "DMA_CPAR", "not to be written")) return;
                ch.Cpar = Merge(ch.Cpar, value, mask);
                break;
            default:
                if (RefuseWhileEnabled(ch, "DMA_CMAR", "not to be written")) return;
                ch.Cmar = Merge(ch.Cmar, value, mask);
                break;
        }
    }

    /// CGIFx clears all four flags of its channel.
    private static uint ExpandGlobalClears(uint clears)
    {
        var expanded = clears;
        for (var n = 0; n < Channels; n++)
            if ((clears & (GIF << (4 * n))) != 0) expanded |= 0xFu << (4 * n);
        return expanded;
    }

    private (Channel Channel, uint Register)? ChannelRegister(uint offset)
    {
        if (offset < ChannelBase || offset >= ChannelBase + Channels * ChannelStride) return null;
        var register = (offset - ChannelBase) % ChannelStride;
        if (register > DMA_CMAR) return null; // the reserved word after each channel's CMAR
        return (_channels[(offset - ChannelBase) / ChannelStride], register);
    }

    private bool RefuseWhileEnabled(Channel channel, string register, string rule)
    {
        if (!channel.Enabled) return false;
        Board.Fault($"{Name}: {register}{channel.Number} written while the channel is enabled (EN = 1); RM0351 " +
                    $"says it is {rule} then. Clear DMA_CCR{channel.Number}.EN first.");
        return true;
    }

    private void WriteCcr(Channel channel, uint next)
    {
        var old = channel.Ccr;
        // Only EN and the interrupt enables may change while the channel runs (RM0351, DMA_CCRx); a write that
        // clears EN may rewrite the rest too (DMA_CCRx = 0 to stop a channel before configuring it again).
        if ((next & DMA_CCR_EN) != 0 && (old & DMA_CCR_EN) != 0 && ((old ^ next) & ~(DMA_CCR_EN | DMA_CCR_INTERRUPTS)) != 0)
        {
            Board.Fault($"{Name}: DMA_CCR{channel.Number} changed from 0x{old:X4} to 0x{next:X4} while EN = 1; RM0351 " +
                        "allows the configuration to change only with the channel disabled.");
            return;
        }
        if ((next & DMA_CCR_MEM2MEM) != 0)
        {
            Board.Fault($"{Name}: DMA_CCR{channel.Number}.MEM2MEM (memory-to-memory mode) is not modelled by the virtual board.");
            return;
        }
        if ((next & DMA_CCR_PSIZE) == DMA_CCR_PSIZE || (next & DMA_CCR_MSIZE) == DMA_CCR_MSIZE)
        {
            Board.Fault($"{Name}: DMA_CCR{channel.Number} = 0x{next:X4} selects the reserved size 11 (RM0351, DMA_CCRx: " +
                        "PSIZE and MSIZE are 00 = 8, 01 = 16 or 10 = 32 bits).");
            return;
        }
        channel.Ccr = next;
        if ((old & DMA_CCR_EN) == 0 && (next & DMA_CCR_EN) != 0) channel.Done = 0;
        UpdateIrqs();
        Serve(channel);
    }

    /// Transfers while the channel is enabled, has data left and its routed request is high.
    private void Serve(Channel channel)
    {
        if (!channel.Enabled || !_rcc.IsClocked(_gate)) return;
        var select = (_cselr >> (4 * (channel.Number - 1))) & 0xF;
        foreach (var (number, routed, line) in _routes)
        {
            if (number != channel.Number || routed != select || !line.Level || channel.Cndtr == 0) continue;
            Transfer(channel);
            // Each transfer must take the request down (reading USART_RDR clears RXNE); one that does not would be
            // repeated at bus speed by silicon, without end in circular mode.
            if (line.Level && channel.Enabled && channel.Cndtr != 0)
                Board.Fault($"{Name}: channel {channel.Number} transferred from 0x{channel.Cpar:X8} but the {line.Name} " +
                            "request stayed high; point DMA_CPAR at the register whose access serves the request " +
                            "(USART_RDR for a receive request).");
            return;
        }
    }

    private void Transfer(Channel channel)
    {
        var ccr = channel.Ccr;
        var peripheralSize = 1 << (int)((ccr & DMA_CCR_PSIZE) >> 8);
        var memorySize = 1 << (int)((ccr & DMA_CCR_MSIZE) >> 10);
        var peripheral = channel.Cpar + ((ccr & DMA_CCR_PINC) != 0 ? channel.Done * (uint)peripheralSize : 0);
        var memory = channel.Cmar + ((ccr & DMA_CCR_MINC) != 0 ? channel.Done * (uint)memorySize : 0);
        var toMemory = (ccr & DMA_CCR_DIR) == 0;
        var (from, fromSize, to, toSize) = toMemory
            ? (peripheral, peripheralSize, memory, memorySize)
            : (memory, memorySize, peripheral, peripheralSize);
        // An address not aligned to its size is a transfer error, like an access nothing answers.
        var ok = from % (uint)fromSize == 0 && to % (uint)toSize == 0 &&
                 Board.TryBusMasterRead(from, fromSize, out var value) &&
                 Board.TryBusMasterWrite(to, toSize, toSize == 4 ? value : value & ((1u << (8 * toSize)) - 1));
        if (!ok)
        {
            // RM0351, DMA error management: a bus error sets TEIF and disables the channel.
            channel.Ccr &= ~DMA_CCR_EN;
            SetFlags(channel, TEIF);
            return;
        }
        channel.Done++;
        channel.Cndtr--;
        var flags = 0u;
        if (channel.Cndtr == channel.Reload / 2) flags |= HTIF;
        if (channel.Cndtr == 0)
        {
            flags |= TCIF;
            if ((ccr & DMA_CCR_CIRC) != 0)
            {
                channel.Cndtr = channel.Reload;
                channel.Done = 0;
            }
        }
        if (flags != 0) SetFlags(channel, flags);
    }

    private void SetFlags(Channel channel, uint flags)
    {
        _isr |= (flags | GIF) << (4 * (channel.Number - 1));
        UpdateIrqs();
    }

    private void UpdateIrqs()
    {
        foreach (var channel in _channels)
        {
            var flags = _isr >> (4 * (channel.Number - 1));
            var ccr = channel.Ccr;
            Board.SetIrqLevel(_irqs[channel.Number - 1],
                ((flags & TCIF) != 0 && (ccr & DMA_CCR_TCIE) != 0) ||
                ((flags & HTIF) != 0 && (ccr & DMA_CCR_HTIE) != 0) ||
                ((flags & TEIF) != 0 && (ccr & DMA_CCR_TEIE) != 0));
        }
    }
}
