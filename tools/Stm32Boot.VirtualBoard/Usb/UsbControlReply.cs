// How a device answers a control request: STALL it (a request error), send data in the data stage, or accept it
// with an action to run once the status stage completes.
namespace Stm32Boot.VirtualBoard.Usb;

public sealed class UsbControlReply
{
    public enum ReplyKind { Stall, In, Ok }

    private UsbControlReply(ReplyKind kind, byte[] data, Action? afterStatus)
    {
        Kind = kind;
        Data = data;
        AfterStatus = afterStatus;
    }

    public ReplyKind Kind { get; }
    public byte[] Data { get; }
    public Action? AfterStatus { get; }

    public static UsbControlReply Stall() => new(ReplyKind.Stall, [], null);
    public static UsbControlReply In(byte[] data) => new(ReplyKind.In, data, null);
    public static UsbControlReply Ok(Action? afterStatus = null) => new(ReplyKind.Ok, [], afterStatus);
}
