// The far end of the USB cable as a host controller sees it: a function answering USB 2.0 transactions (§8.5).
// The host sends a token, plus a data packet for SETUP and OUT; the function answers with a handshake, or with a
// data packet for IN. Everything the function knows about time comes in as the virtual time of the token, so a
// drive can NAK while its medium is "busy" without owning a clock.
namespace Stm32Boot.VirtualBoard.Usb;

public enum UsbSpeed { Full, Low }

/// DATA0/DATA1: the data toggle of USB 2.0 §8.6.
public enum UsbDataPid { Data0, Data1 }

/// What came back for a token. None: no answer within the bus turn-around timeout (USB 2.0 §7.1.19.1) — the
/// function is gone, the address is not its own, or it has not been reset since it was powered.
public enum UsbResponse { Ack, Nak, Stall, None, Data }

/// The function's answer to an IN token: a data packet (Response = Data, with its PID and length) or a handshake.
public readonly record struct UsbInResult(UsbResponse Response, UsbDataPid Pid, int Length)
{
    public static UsbInResult Handshake(UsbResponse response) => new(response, UsbDataPid.Data0, 0);
}

public interface IUsbFunction
{
    UsbSpeed Speed { get; }

    /// Time from VBUS on until the function pulls up D+ (USB 2.0 §7.1.7.3: the host then sees a connection).
    ulong ConnectDelayPs { get; }

    /// VBUS on or off. Off loses every state: address, configuration, toggles, a command half done.
    void PowerChanged(bool powered, ulong nowPs);

    /// The host drove SE0 long enough for a reset (USB 2.0 §7.1.7.5): back to the Default state at address 0.
    void BusReset(ulong nowPs);

    /// A SETUP token and its 8-byte DATA0 packet for endpoint 0.
    UsbResponse Setup(byte address, ReadOnlySpan<byte> packet, ulong nowPs);

    /// An OUT token and its data packet.
    UsbResponse Out(byte address, byte endpoint, UsbDataPid pid, ReadOnlySpan<byte> packet, ulong nowPs);

    /// An IN token; a data packet is written to packet (which holds at least 1023 bytes, the largest USB packet).
    UsbInResult In(byte address, byte endpoint, Span<byte> packet, ulong nowPs);

    /// The function's side pulled the cable (a test knob: unplugged in the middle of a transfer).
    event Action? Unplugged;
}
