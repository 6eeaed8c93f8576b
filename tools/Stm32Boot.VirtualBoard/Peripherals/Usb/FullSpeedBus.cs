// How long full-speed transactions take on the wire (USB 2.0 §7.1.11: 12 Mbit/s; packet fields §8.3-8.4; bus
// turn-around §7.1.18-7.1.19). Bit stuffing is left out: it adds at most one bit in seven, on worst-case data.
namespace Stm32Boot.VirtualBoard.Peripherals.Usb;

internal static class FullSpeedBus
{
    private const int Sync = 8, Pid = 8, Eop = 3;
    /// SYNC, PID, ADDR (7), ENDP (4), CRC5, EOP.
    private const int TokenBits = Sync + Pid + 7 + 4 + 5 + Eop;
    private const int HandshakeBits = Sync + Pid + Eop;
    /// Inter-packet delay the host leaves, and the time a function takes to answer (§7.1.18: 2 to 6.5 bit times).
    private const int HostGapBits = 2, ResponseBits = 4;
    /// A host gives up on an answer after 16 to 18 bit times (§7.1.19.1).
    private const int TimeoutBits = 18;
    /// No transaction may run into the last 32 bit times of a frame (EOF1, §11.2.5.1), so the bus is idle at SOF.
    public const int EndOfFrameBits = 32;

    public static ulong Ps(long bits) => (ulong)bits * 250_000 / 3; // 1/12 MHz = 83 333.3 ps

    public static ulong StartOfFrame => Ps(TokenBits + HostGapBits);

    private static int DataPacketBits(int bytes) => Sync + Pid + 8 * bytes + 16 + Eop;

    /// IN token, then a data packet and the host's ACK, or a NAK/STALL handshake, or silence.
    public static ulong In(int dataBytes) => Ps(TokenBits + ResponseBits + DataPacketBits(dataBytes) + HostGapBits + HandshakeBits + HostGapBits);
    public static ulong InHandshake => Ps(TokenBits + ResponseBits + HandshakeBits + HostGapBits);
    public static ulong InNoAnswer => Ps(TokenBits + TimeoutBits + HostGapBits);

    /// OUT or SETUP token and data packet, then the function's handshake or silence.
    public static ulong Out(int dataBytes) => Ps(TokenBits + HostGapBits + DataPacketBits(dataBytes) + ResponseBits + HandshakeBits + HostGapBits);
    public static ulong OutNoAnswer(int dataBytes) => Ps(TokenBits + HostGapBits + DataPacketBits(dataBytes) + TimeoutBits + HostGapBits);
}
