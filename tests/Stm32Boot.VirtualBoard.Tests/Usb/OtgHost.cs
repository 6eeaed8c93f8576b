// A polled USB host driver written in C# from RM0351's host programming model (§47.15), driving the OTG_FS model
// only through its registers, as firmware would, and moving virtual time on while it waits. The OTG_FS tests bring
// the port up and run transfers with it; it also shows, step by step, register sequences the model accepts.
using System.Buffers.Binary;
using Stm32Boot.VirtualBoard.Peripherals;
using Stm32Boot.VirtualBoard.Tests.Peripherals;
using Stm32Boot.VirtualBoard.Usb;
using static Stm32Boot.VirtualBoard.Tests.Peripherals.Bench;

namespace Stm32Boot.VirtualBoard.Tests.Usb;

public sealed class OtgHost
{
    public const uint OTG = 0x5000_0000, GOTGCTL = OTG + 0x000, GAHBCFG = OTG + 0x008, GUSBCFG = OTG + 0x00C,
        GRSTCTL = OTG + 0x010, GINTSTS = OTG + 0x014, GINTMSK = OTG + 0x018, GRXSTSR = OTG + 0x01C, GRXSTSP = OTG + 0x020,
        GRXFSIZ = OTG + 0x024, HNPTXFSIZ = OTG + 0x028, HNPTXSTS = OTG + 0x02C, GCCFG = OTG + 0x038, CID = OTG + 0x03C,
        HPTXFSIZ = OTG + 0x100, HCFG = OTG + 0x400, HFIR = OTG + 0x404, HFNUM = OTG + 0x408, HPTXSTS = OTG + 0x410,
        HAINT = OTG + 0x414, HAINTMSK = OTG + 0x418, HPRT = OTG + 0x440, PCGCCTL = OTG + 0xE00;
    public const uint CSRST = 1u << 0, RXFFLSH = 1u << 4, TXFFLSH = 1u << 5, AHBIDL = 1u << 31;
    public const uint FHMOD = 1u << 29, PWRDWN = 1u << 16, USV = 1u << 10, GINTMSK_BIT = 1u << 0;
    public const uint CMOD = 1u << 0, SOF = 1u << 3, RXFLVL = 1u << 4, NPTXFE = 1u << 5, HPRTINT = 1u << 24,
        HCINT_SUMMARY = 1u << 25, CIDSCHG = 1u << 28, DISCINT = 1u << 29;
    public const uint PCSTS = 1u << 0, PCDET = 1u << 1, PENA = 1u << 2, PENCHNG = 1u << 3, PRST = 1u << 8, PPWR = 1u << 12;
    public const uint HPRT_W1C = PCDET | PENA | PENCHNG | (1u << 5);
    public const uint CHENA = 1u << 31, CHDIS = 1u << 30, EPDIR = 1u << 15;
    public const uint XFRC = 1u << 0, CHH = 1u << 1, STALL = 1u << 3, NAK = 1u << 4, ACK = 1u << 5, TXERR = 1u << 7,
        BBERR = 1u << 8, DTERR = 1u << 10, HCINT_ALL = 0x7FF;
    public const uint DATA0 = 0, DATA1 = 2, SETUP = 3;
    public const uint CONTROL = 0, BULK = 2;
    public const uint PKTSTS_DATA = 2, PKTSTS_COMPLETE = 3, PKTSTS_TOGGLE = 5, PKTSTS_HALTED = 7;
    public const ulong Microsecond = 1_000_000, Millisecond = 1_000_000_000;

    private const uint PWR_CR2 = 0x4000_7004, GPIOA = 0x4800_0000, GPIOD = 0x4800_0C00;
    private const uint MSION = 1u << 0, MSIPLLEN = 1u << 2, MSIRGSEL = 1u << 3, LSEON = 1u << 0;
    private const uint GPIOAEN = 1u << 0, GPIODEN = 1u << 3, OTGFSEN = 1u << 12, PWREN = 1u << 28;

    public enum Outcome { Done, Nak, Stall, TransactionError, Babble, ToggleError, Disconnected }

    public Bench Bench { get; } = new();
    public FakeBoard Board => Bench.Board;
    public OtgFs Otg => Bench.Models.OtgFs;
    public ulong NowPs => Bench.Clock.NowPs;

    public static uint HCCHAR(int n) => OTG + 0x500 + 0x20u * (uint)n;
    public static uint HCINT(int n) => HCCHAR(n) + 0x08;
    public static uint HCINTMSK(int n) => HCCHAR(n) + 0x0C;
    public static uint HCTSIZ(int n) => HCCHAR(n) + 0x10;
    public static uint FIFO(int n) => OTG + 0x1000u * (uint)(n + 1);

    // OTG_FS registers go straight to the model: the bench's lookup of the peripheral would cost more than the
    // model itself in the throughput test.
    public uint Read(uint address) =>
        address - OTG < 0x4_0000 ? ((IPeripheral)Otg).Read(address - OTG, 4) : Bench.Read(address);

    public void Write(uint address, uint value)
    {
        if (address - OTG < 0x4_0000) ((IPeripheral)Otg).Write(address - OTG, 4, value);
        else Bench.Write(address, value);
    }
    public void Step(ulong ps = Microsecond) => Bench.Clock.Advance(ps);

    public void WaitUntil(Func<bool> condition, ulong timeoutPs, string what)
    {
        var deadline = NowPs + timeoutPs;
        while (!condition())
        {
            if (NowPs >= deadline) throw new Xunit.Sdk.XunitException($"timed out waiting for {what}; faults: {string.Join(" | ", Board.Faults)}");
            Step();
        }
    }

    /// CLK48 = MSI 48 MHz in PLL mode locked to LSE (RCC_CR.MSIPLLEN, RCC_CCIPR.CLK48SEL = 11), VDDUSB valid, the
    /// OTG_FS and GPIO clocks, and PA11/PA12 in AF10.
    public void StartClocks()
    {
        Write(FLASH_ACR, 4);
        Bench.EnableBackupDomainWrites();
        Bench.Set(RCC_BDCR, LSEON);
        Step(2100 * Millisecond);
        Write(RCC_CR, MSION | MSIPLLEN | MSIRGSEL | (11u << 4));
        Write(RCC_CCIPR, 3u << 26);
        Bench.Set(RCC_APB1ENR1, PWREN);
        Bench.Set(PWR_CR2, USV);
        Bench.Set(RCC_AHB2ENR, GPIOAEN | GPIODEN | OTGFSEN);
        Write(GPIOA + 0x00, (Read(GPIOA + 0x00) & ~(0xFu << 22)) | (0xAu << 22)); // PA11, PA12: alternate function
        Write(GPIOA + 0x24, (Read(GPIOA + 0x24) & ~(0xFFu << 12)) | (0xAAu << 12)); // AF10
    }

    /// PD12 as a push-pull output: low turns the VBUS switch on.
    public void DriveVbus(bool on)
    {
        Write(GPIOD + 0x14, on ? 0 : 1u << 12);
        Write(GPIOD + 0x00, (Read(GPIOD + 0x00) & ~(3u << 24)) | (1u << 24));
    }

    /// Core soft reset, forced host mode, transceiver on, FIFOs (RX 128 words, non-periodic TX 96, periodic TX 64:
    /// 288 of the 320 words), 48 MHz PHY clock, port power.
    public void InitCore()
    {
        WaitUntil(() => (Read(GRSTCTL) & AHBIDL) != 0, Millisecond, "AHBIDL");
        Write(GRSTCTL, CSRST);
        WaitUntil(() => (Read(GRSTCTL) & CSRST) == 0, Millisecond, "the end of the core soft reset");
        Write(GUSBCFG, Read(GUSBCFG) | FHMOD);
        Step(25 * Millisecond);
        if ((Read(GINTSTS) & CMOD) == 0) throw new Xunit.Sdk.XunitException("not in host mode 25 ms after FHMOD");
        Write(GCCFG, PWRDWN);
        Write(GRXFSIZ, 128);
        Write(HNPTXFSIZ, (96u << 16) | 128);
        Write(HPTXFSIZ, (64u << 16) | 224);
        Write(HCFG, 1); // FSLSPCS: 48 MHz PHY clock
        Write(HPRT, PPWR);
    }

    /// USB 2.0 §7.1.7.5 (TDRSTR): a root port resets for at least 50 ms.
    public const ulong RootPortResetPs = 50 * Millisecond;

    /// Waits for the device, resets the port for 50 ms, waits for PENA and sets 1 ms frames.
    public void ResetPort()
    {
        WaitUntil(() => (Read(HPRT) & PCDET) != 0, 200 * Millisecond, "a connection (HPRT.PCDET)");
        Write(HPRT, PPWR | PCDET);
        Write(HPRT, PPWR | PRST);
        Step(RootPortResetPs);
        Write(HPRT, PPWR);
        WaitUntil(() => (Read(HPRT) & PENA) != 0, Millisecond, "the port enable (HPRT.PENA)");
        Write(HPRT, PPWR | PENCHNG);
        Write(HFIR, 48000);
    }

    public void BringUp()
    {
        StartClocks();
        DriveVbus(true);
        InitCore();
        ResetPort();
        AssertNoFaults();
    }

    public void AssertNoFaults()
    {
        if (Board.Faults.Count > 0) throw new Xunit.Sdk.XunitException("OTG_FS faults: " + string.Join(" | ", Board.Faults));
    }

    public static uint Characteristics(byte address, byte endpoint, bool isIn, uint type, int maxPacket) =>
        (uint)maxPacket | ((uint)endpoint << 11) | (isIn ? EPDIR : 0) | (type << 18) | ((uint)address << 22);

    /// An IN transfer on a channel: one IN request per CHENA write, re-requested after every full packet, the receive
    /// FIFO read as statuses come, and the channel halted when the transfer ends. A NAK halts the channel and starts
    /// it again for what is left, as RM0351's slave-mode interrupt routine does ("Disable Channel", then on CHH
    /// "Re-initialize Channel").
    public (Outcome Outcome, byte[] Data) In(int channel, uint characteristics, int length, ref uint dpid, int nakLimit = 100_000)
    {
        var maxPacket = (int)(characteristics & 0x7FF);
        var packets = Math.Max(1, (length + maxPacket - 1) / maxPacket);
        var data = new List<byte>();
        for (var naks = 0; ; naks++)
        {
            var left = packets - data.Count / maxPacket;
            Write(HCINT(channel), HCINT_ALL);
            Write(HCINTMSK(channel), HCINT_ALL);
            Write(HCTSIZ(channel), (uint)(left * maxPacket) | ((uint)left << 19) | (dpid << 29));
            WaitUntil(() => ((Read(HNPTXSTS) >> 16) & 0xFF) > 0, Millisecond, "a free request queue entry");
            Write(HCCHAR(channel), characteristics | EPDIR | CHENA);
            while (true)
            {
                Step();
                DrainReceiveFifo(channel, maxPacket, data);
                var hcint = Read(HCINT(channel));
                Outcome? end = null;
                if ((hcint & XFRC) != 0) end = Outcome.Done;
                else if ((hcint & STALL) != 0) end = Outcome.Stall;
                else if ((hcint & TXERR) != 0) end = (Read(GINTSTS) & DISCINT) != 0 ? Outcome.Disconnected : Outcome.TransactionError;
                else if ((hcint & BBERR) != 0) end = Outcome.Babble;
                else if ((hcint & DTERR) != 0) end = Outcome.ToggleError;
                else if ((hcint & NAK) != 0) end = Outcome.Nak;
                if (end is not { } outcome) continue;
                dpid = (Read(HCTSIZ(channel)) >> 29) & 3;
                Halt(channel);
                AssertNoFaults();
                if (outcome != Outcome.Nak || naks >= nakLimit) return (outcome, data.ToArray());
                break;
            }
        }
    }

    private void DrainReceiveFifo(int channel, int maxPacket, List<byte> data)
    {
        while ((Read(GINTSTS) & RXFLVL) != 0)
        {
            var status = Read(GRXSTSP);
            if (((status >> 17) & 0xF) != PKTSTS_DATA) continue;
            var count = (int)((status >> 4) & 0x7FF);
            for (var i = 0; i < count; i += 4)
            {
                var word = Read(FIFO(channel));
                for (var b = 0; b < 4 && i + b < count; b++) data.Add((byte)(word >> (8 * b)));
            }
            // Slave mode: another IN request for the next packet of the transfer.
            if (count == maxPacket && ((Read(HCTSIZ(channel)) >> 19) & 0x3FF) > 0)
                Write(HCCHAR(channel), Read(HCCHAR(channel)) | CHENA);
        }
    }

    /// RM0351 "Halting a channel": a free request queue entry, CHDIS with CHENA, then CHH (for IN, once its halt
    /// status is popped).
    public void Halt(int channel)
    {
        if ((Read(HCCHAR(channel)) & CHENA) != 0)
        {
            WaitUntil(() => ((Read(HNPTXSTS) >> 16) & 0xFF) > 0, Millisecond, "a free request queue entry");
            Write(HCCHAR(channel), Read(HCCHAR(channel)) | CHDIS | CHENA);
            WaitUntil(() =>
            {
                while ((Read(GINTSTS) & RXFLVL) != 0) Read(GRXSTSP);
                return (Read(HCINT(channel)) & CHH) != 0;
            }, Millisecond, $"channel {channel} to halt");
        }
        Write(HCINT(channel), HCINT_ALL);
    }

    /// An OUT transfer: packets written to the channel's FIFO after CHENA; the core disables the channel when the
    /// last one is acknowledged. A NAK halts the channel and sends the unacknowledged packets again.
    public Outcome Out(int channel, uint characteristics, byte[] data, ref uint dpid, int nakLimit = 100_000)
    {
        var maxPacket = (int)(characteristics & 0x7FF);
        var sent = 0;
        for (var naks = 0; ; naks++)
        {
            var remaining = data.Length - sent;
            var packets = Math.Max(1, (remaining + maxPacket - 1) / maxPacket);
            Write(HCINT(channel), HCINT_ALL);
            Write(HCINTMSK(channel), HCINT_ALL);
            Write(HCTSIZ(channel), (uint)remaining | ((uint)packets << 19) | (dpid << 29));
            Write(HCCHAR(channel), characteristics | CHENA);
            for (var offset = sent; offset < data.Length; offset += maxPacket)
            {
                var words = (Math.Min(maxPacket, data.Length - offset) + 3) / 4;
                WaitUntil(() => (Read(HNPTXSTS) & 0xFFFF) >= words && ((Read(HNPTXSTS) >> 16) & 0xFF) > 0,
                          Millisecond, "room in the transmit FIFO");
                var padded = new byte[words * 4];
                data.AsSpan(offset, Math.Min(maxPacket, data.Length - offset)).CopyTo(padded);
                for (var i = 0; i < padded.Length; i += 4) Write(FIFO(channel), BinaryPrimitives.ReadUInt32LittleEndian(padded.AsSpan(i)));
            }
            while (true)
            {
                Step();
                var hcint = Read(HCINT(channel));
                if ((hcint & (XFRC | STALL | TXERR | NAK)) == 0) continue;
                var packetsLeft = (int)((Read(HCTSIZ(channel)) >> 19) & 0x3FF);
                dpid = (Read(HCTSIZ(channel)) >> 29) & 3;
                if ((hcint & XFRC) != 0)
                {
                    Write(HCINT(channel), HCINT_ALL);
                    AssertNoFaults();
                    return Outcome.Done;
                }
                Halt(channel);
                if ((hcint & NAK) == 0 || naks >= nakLimit)
                {
                    AssertNoFaults();
                    return (hcint & STALL) != 0 ? Outcome.Stall : (hcint & TXERR) != 0 ? Outcome.TransactionError : Outcome.Nak;
                }
                sent = data.Length - Math.Min(data.Length, packetsLeft * maxPacket);
                break;
            }
        }
    }

    /// A control transfer on channel 0: SETUP, an IN data stage if asked for, the status stage.
    public (Outcome Outcome, byte[] Data) Control(byte address, UsbSetupPacket setup, int maxPacket0 = 64)
    {
        var dpid = SETUP;
        var outcome = Out(0, Characteristics(address, 0, false, CONTROL, maxPacket0), setup.ToBytes(), ref dpid);
        if (outcome != Outcome.Done) return (outcome, []);
        byte[] data = [];
        dpid = DATA1;
        if (setup.Length > 0)
        {
            (outcome, data) = In(0, Characteristics(address, 0, true, CONTROL, maxPacket0), setup.Length, ref dpid);
            if (outcome != Outcome.Done) return (outcome, data);
            dpid = DATA1;
            outcome = Out(0, Characteristics(address, 0, false, CONTROL, maxPacket0), [], ref dpid);
        }
        else outcome = In(0, Characteristics(address, 0, true, CONTROL, maxPacket0), 0, ref dpid).Outcome;
        return (outcome, data);
    }

    /// SET_ADDRESS 1, SET_CONFIGURATION 1.
    public void Enumerate()
    {
        Expect(Control(0, new UsbSetupPacket(0x00, 5, 1, 0, 0)).Outcome, "SET_ADDRESS");
        Expect(Control(1, new UsbSetupPacket(0x00, 9, 1, 0, 0)).Outcome, "SET_CONFIGURATION");
    }

    private static void Expect(Outcome outcome, string what)
    {
        if (outcome != Outcome.Done) throw new Xunit.Sdk.XunitException($"{what}: {outcome}");
    }
}
