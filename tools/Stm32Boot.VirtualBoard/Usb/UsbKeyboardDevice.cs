// A full-speed boot keyboard (HID 1.11: interface class 03h, subclass 01h, protocol 01h, an interrupt IN endpoint
// and its HID descriptor): a device that is not mass storage, to check that the host says so and stops.
namespace Stm32Boot.VirtualBoard.Usb;

public sealed class UsbKeyboardDevice() : UsbDevice(
    UsbDescriptors.Device(0, 64, 0x1209, 0x0003),
    UsbDescriptors.Configuration(1,
        UsbDescriptors.Interface(0, 1, 0x03, 0x01, 0x01),
        [9, 0x21, 0x11, 0x01, 0, 1, 0x22, 63, 0], // HID descriptor: HID 1.11, one 63-byte report descriptor
        UsbDescriptors.Endpoint(0x81, UsbDescriptors.TransferInterrupt, 8, 10)),
    ["Stm32Boot", "Virtual USB Keyboard", "KBD000000001"])
{
    public override UsbSpeed Speed => UsbSpeed.Full;

    /// No key pressed: the report endpoint NAKs.
    protected override UsbInResult OnEndpointIn(byte endpoint, Span<byte> packet, ulong nowPs) =>
        UsbInResult.Handshake(UsbResponse.Nak);
}
