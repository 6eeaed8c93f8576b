// The OTG_FS data FIFO RAM: 1.25 KB (RM0351 §47.3), shared by the FIFOs the application sizes in GRXFSIZ,
// HNPTXFSIZ and HPTXFSIZ, and visible word by word in the debug window at +0x20000. In host slave mode the receive
// FIFO holds status words and IN data (popped through GRXSTSP and the FIFO windows); the non-periodic transmit
// FIFO holds OUT packets until the core sends them.
namespace Stm32Boot.VirtualBoard.Peripherals.Usb;

internal sealed class OtgFsFifoRam
{
    public const int Words = 320;

    private readonly uint[] _ram = new uint[Words];

    public OtgFsFifoRam()
    {
        Rx = new Ring(_ram);
    }

    /// The receive FIFO: a ring of RXFD words from word 0 (RM0351 §47.12, "Host FIFO architecture").
    public Ring Rx { get; }

    /// Words of OUT packets in the non-periodic transmit FIFO, waiting for the core to send them.
    public int NonPeriodicTxUsed { get; private set; }

    private int _txStart, _txDepth, _txWrite;

    public uint this[int word]
    {
        get => _ram[word];
        set => _ram[word] = value;
    }

    /// The application wrote a word into the non-periodic transmit FIFO; the caller checked there is room.
    public void WriteNonPeriodicTx(uint word)
    {
        _ram[_txStart + _txWrite] = word;
        _txWrite = (_txWrite + 1) % _txDepth;
        NonPeriodicTxUsed++;
    }

    /// The core sent (or dropped) a packet of that many words.
    public void ReleaseNonPeriodicTx(int words) => NonPeriodicTxUsed -= words;

    public void ConfigureNonPeriodicTx(int start, int depth)
    {
        _txStart = start;
        _txDepth = depth;
        FlushNonPeriodicTx();
    }

    public void FlushNonPeriodicTx()
    {
        _txWrite = 0;
        NonPeriodicTxUsed = 0;
    }

    public void Clear()
    {
        Array.Clear(_ram);
        Rx.Configure(0, 0);
        ConfigureNonPeriodicTx(0, 0);
    }

    internal sealed class Ring(uint[] ram)
    {
        private int _start, _depth, _head;

        public int Count { get; private set; }
        public int Free => _depth - Count;

        public void Configure(int start, int depth)
        {
            _start = start;
            _depth = depth;
            Flush();
        }

        public void Push(uint word)
        {
            ram[_start + (_head + Count) % _depth] = word;
            Count++;
        }

        public uint Peek() => ram[_start + _head];

        public uint Pop()
        {
            var word = ram[_start + _head];
            _head = (_head + 1) % _depth;
            Count--;
            return word;
        }

        public void Flush()
        {
            _head = 0;
            Count = 0;
        }
    }
}
