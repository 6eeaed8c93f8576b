// One OTG_FS host channel (RM0351 §47.14, OTG_HCCHARx / OTG_HCINTx / OTG_HCINTMSKx / OTG_HCTSIZx) and what the
// core remembers about the transfer it carries in slave mode.
namespace Stm32Boot.VirtualBoard.Peripherals.Usb;

internal sealed class OtgFsChannel(int number)
{
    // OTG_HCCHARx
    public const uint OTG_HCCHAR_MPSIZ = 0x7FFu, OTG_HCCHAR_EPNUM = 0xFu << 11, OTG_HCCHAR_EPDIR = 1u << 15,
        OTG_HCCHAR_LSDEV = 1u << 17, OTG_HCCHAR_EPTYP = 3u << 18, OTG_HCCHAR_MCNT = 3u << 20,
        OTG_HCCHAR_DAD = 0x7Fu << 22, OTG_HCCHAR_CHDIS = 1u << 30,
        OTG_HCCHAR_CHENA = 1u << 31;
    /// Everything but the two set-only control bits: the fields RM0351 wants programmed before CHENA.
    public const uint OTG_HCCHAR_CONFIG = OTG_HCCHAR_MPSIZ | OTG_HCCHAR_EPNUM | OTG_HCCHAR_EPDIR | OTG_HCCHAR_LSDEV |
                                          OTG_HCCHAR_EPTYP | OTG_HCCHAR_MCNT | OTG_HCCHAR_DAD;
    /// EPTYP values; 2 is bulk.
    public const uint EPTYP_CONTROL = 0, EPTYP_ISOCHRONOUS = 1, EPTYP_INTERRUPT = 3;

    // OTG_HCINTx / OTG_HCINTMSKx
    public const uint OTG_HCINT_XFRC = 1u << 0, OTG_HCINT_CHH = 1u << 1, OTG_HCINT_STALL = 1u << 3,
        OTG_HCINT_NAK = 1u << 4, OTG_HCINT_ACK = 1u << 5, OTG_HCINT_TXERR = 1u << 7, OTG_HCINT_BBERR = 1u << 8,
        OTG_HCINT_FRMOR = 1u << 9, OTG_HCINT_DTERR = 1u << 10;
    public const uint OTG_HCINT_ALL = OTG_HCINT_XFRC | OTG_HCINT_CHH | OTG_HCINT_STALL | OTG_HCINT_NAK | OTG_HCINT_ACK |
                                      OTG_HCINT_TXERR | OTG_HCINT_BBERR | OTG_HCINT_FRMOR | OTG_HCINT_DTERR;

    // OTG_HCTSIZx
    public const uint OTG_HCTSIZ_XFRSIZ = 0x7FFFFu, OTG_HCTSIZ_PKTCNT = 0x3FFu << 19, OTG_HCTSIZ_DPID = 3u << 29;
    public const uint DPID_DATA0 = 0, DPID_DATA2 = 1, DPID_DATA1 = 2, DPID_SETUP = 3;

    public int Number { get; } = number;
    public uint Hcchar, Hcint, Hcintmsk, Hctsiz;

    /// A disable request is in the request queue or its halt status in the receive FIFO: CHDIS stays set.
    public bool HaltPending;

    /// An IN transfer ended (PKTCNT reached 0 or a short packet came): its leftover IN requests are dropped, and the
    /// channel waits to be halted (slave mode does not halt IN channels by itself).
    public bool InTransferDone;

    /// Bytes of the OUT packet the application is writing into the transmit FIFO, until its last word.
    public readonly List<byte> PacketBeingWritten = new();

    public bool Enabled => (Hcchar & OTG_HCCHAR_CHENA) != 0;
    public int MaxPacketSize => (int)(Hcchar & OTG_HCCHAR_MPSIZ);
    public byte EndpointNumber => (byte)((Hcchar & OTG_HCCHAR_EPNUM) >> 11);
    public bool IsIn => (Hcchar & OTG_HCCHAR_EPDIR) != 0;
    public bool LowSpeedDevice => (Hcchar & OTG_HCCHAR_LSDEV) != 0;
    public uint EndpointType => (Hcchar & OTG_HCCHAR_EPTYP) >> 18;
    public byte DeviceAddress => (byte)((Hcchar & OTG_HCCHAR_DAD) >> 22);

    public int TransferSize
    {
        get => (int)(Hctsiz & OTG_HCTSIZ_XFRSIZ);
        set => Hctsiz = (Hctsiz & ~OTG_HCTSIZ_XFRSIZ) | ((uint)value & OTG_HCTSIZ_XFRSIZ);
    }

    public int PacketCount
    {
        get => (int)((Hctsiz & OTG_HCTSIZ_PKTCNT) >> 19);
        set => Hctsiz = (Hctsiz & ~OTG_HCTSIZ_PKTCNT) | (((uint)value << 19) & OTG_HCTSIZ_PKTCNT);
    }

    public uint Dpid
    {
        get => (Hctsiz & OTG_HCTSIZ_DPID) >> 29;
        set => Hctsiz = (Hctsiz & ~OTG_HCTSIZ_DPID) | (value << 29);
    }

    /// The endpoint address as a device sees it: number, and bit 7 set for IN.
    public string Describe() =>
        $"channel {Number} (device {DeviceAddress}, endpoint {EndpointNumber} {(IsIn ? "IN" : "OUT")})";

    /// The core is done with the channel: CHENA and CHDIS read 0 again.
    public void Disable()
    {
        Hcchar &= ~(OTG_HCCHAR_CHENA | OTG_HCCHAR_CHDIS);
        HaltPending = false;
        InTransferDone = false;
        PacketBeingWritten.Clear();
    }

    public void Reset()
    {
        Hcchar = Hcint = Hcintmsk = Hctsiz = 0;
        Disable();
    }
}
