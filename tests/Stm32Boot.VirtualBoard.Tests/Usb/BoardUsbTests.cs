using Stm32Boot.VirtualBoard.Tests.Core;
using Xunit;

namespace Stm32Boot.VirtualBoard.Tests.Usb;

/// The drive plugged into the board's CN9: wiring through PD12 and OTG_FS as firmware reaches it, plug and unplug.
public sealed class BoardUsbTests : IDisposable
{
    private readonly ScratchImage _image = new(64 * 512);

    public void Dispose() => _image.Dispose();

    [Fact]
    public void Firmware_switches_VBUS_on_with_PD12_low_and_sees_the_drive_on_the_ID_pin()
    {
        var fw = TestFirmware.Build("""
            int main(void)
            {
                REG(0x4002104C) |= (1u << 3) | (1u << 12);                          // RCC_AHB2ENR: GPIODEN, OTGFSEN
                REG(0x48000C00) = (REG(0x48000C00) & ~(3u << 24)) | (1u << 24);      // PD12 output, ODR 0: VBUS on
                RESULT[1] = REG(0x50000000);                                         // OTG_GOTGCTL
                RESULT[2] = REG(0x50000014);                                         // OTG_GINTSTS
                RESULT[0] = 0xD0DE;
                for (;;) {}
            }
            """);
        using var board = new Board();
        board.Machine.LoadFlash(Machine.FlashBase, fw.Image);
        var drive = board.AttachUsbDrive(_image.FilePath);
        board.PowerOn();
        Assert.StartsWith("VBUS is off", board.Peripherals.OtgFs.WhyNoConnection()); // PD12 floats: the pull-up wins

        board.RunFor(Board.Millisecond, () => board.Read(TestFirmware.ResultsBase) == 0xD0DE);
        Assert.Equal(0u, board.Read(TestFirmware.ResultsBase + 4) & (1u << 16)); // CIDSTS 0: an A plug
        Assert.Equal(1u, board.Read(TestFirmware.ResultsBase + 8) & 1u);         // CMOD: host
        Assert.Equal("the port is not powered (HPRT.PPWR = 0)", board.Peripherals.OtgFs.WhyNoConnection());
        Assert.Same(drive, board.UsbDrive);
    }

    [Fact]
    public void Plugging_again_replaces_the_drive_and_unplugging_leaves_the_socket_empty()
    {
        using var board = new Board();
        var first = board.AttachUsbDrive(_image.FilePath);
        var second = board.AttachUsbDrive(_image.FilePath);
        Assert.NotSame(first, second);
        Assert.Same(second, board.UsbDrive);
        board.DetachUsbDrive();
        Assert.Null(board.UsbDrive);
        Assert.Equal("no device is plugged into CN9", board.Peripherals.OtgFs.WhyNoConnection());
    }
}
