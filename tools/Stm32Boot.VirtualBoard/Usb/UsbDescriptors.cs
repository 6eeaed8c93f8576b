// Descriptor layouts of USB 2.0 §9.6 (device, configuration, interface, endpoint, string), little-endian.
using System.Text;

namespace Stm32Boot.VirtualBoard.Usb;

public static class UsbDescriptors
{
    public const byte TransferBulk = 2, TransferInterrupt = 3;

    /// Full speed, one configuration, strings 1-3 (manufacturer, product, serial number).
    public static byte[] Device(byte deviceClass, byte maxPacket0, ushort vendorId, ushort productId) =>
    [
        18, 1, 0x00, 0x02, deviceClass, 0, 0, maxPacket0, (byte)vendorId, (byte)(vendorId >> 8),
        (byte)productId, (byte)(productId >> 8), 0x00, 0x01, 1, 2, 3, 1,
    ];

    /// Configuration 1, bus-powered, 100 mA, followed by the interface, class and endpoint descriptors given.
    public static byte[] Configuration(byte interfaces, params byte[][] body)
    {
        var total = 9 + body.Sum(d => d.Length);
        byte[] header = [9, 2, (byte)total, (byte)(total >> 8), interfaces, 1, 0, 0x80, 50];
        return [.. header, .. body.SelectMany(d => d)];
    }

    public static byte[] Interface(byte number, byte endpoints, byte interfaceClass, byte subclass, byte protocol) =>
        [9, 4, number, 0, endpoints, interfaceClass, subclass, protocol, 0];

    public static byte[] Endpoint(byte address, byte transferType, ushort maxPacket, byte interval) =>
        [7, 5, address, transferType, (byte)maxPacket, (byte)(maxPacket >> 8), interval];

    /// UTF-16LE text behind bLength and bDescriptorType 3.
    public static byte[] String(string text)
    {
        var utf16 = Encoding.Unicode.GetBytes(text);
        return [(byte)(2 + utf16.Length), 3, .. utf16];
    }
}
