// The 8 bytes of a SETUP packet (USB 2.0 §9.3): bmRequestType, bRequest, wValue, wIndex, wLength, little-endian.
using System.Buffers.Binary;

namespace Stm32Boot.VirtualBoard.Usb;

public readonly record struct UsbSetupPacket(byte RequestTypeByte, byte Request, ushort Value, ushort Index, ushort Length)
{
    public enum RequestType { Standard, Class, Vendor, Reserved }

    public bool DeviceToHost => (RequestTypeByte & 0x80) != 0;
    public RequestType Type => (RequestType)((RequestTypeByte >> 5) & 3);

    public static UsbSetupPacket Parse(ReadOnlySpan<byte> packet) =>
        new(packet[0], packet[1], BinaryPrimitives.ReadUInt16LittleEndian(packet[2..]),
            BinaryPrimitives.ReadUInt16LittleEndian(packet[4..]), BinaryPrimitives.ReadUInt16LittleEndian(packet[6..]));

    public byte[] ToBytes()
    {
        var bytes = new byte[8];
        bytes[0] = RequestTypeByte;
        bytes[1] = Request;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), Value);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), Index);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(6), Length);
        return bytes;
    }
}
