// A full-speed USB hub as it enumerates (USB 2.0 §11.23): device and interface class 09h and a status-change
// interrupt endpoint that has nothing to report. Plugged in instead of a drive, it checks that the host refuses hubs.
namespace Stm32Boot.VirtualBoard.Usb;

public sealed class UsbHubDevice() : UsbDevice(
    UsbDescriptors.Device(0x09, 64, 0x1209, 0x0002),
    UsbDescriptors.Configuration(1,
        UsbDescriptors.Interface(0, 1, 0x09, 0, 0),
        UsbDescriptors.Endpoint(0x81, UsbDescriptors.TransferInterrupt, 1, 255)),
    ["Stm32Boot", "Virtual USB Hub", "HUB000000001"])
{
    public override UsbSpeed Speed => UsbSpeed.Full;

    /// No port changes: the status-change endpoint NAKs (§11.12.1).
    protected override UsbInResult OnEndpointIn(byte endpoint, Span<byte> packet, ulong nowPs) =>
        UsbInResult.Handshake(UsbResponse.Nak);
}
