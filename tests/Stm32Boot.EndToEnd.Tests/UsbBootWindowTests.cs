using Stm32Boot.VirtualBoard;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// UsbBootWindowMs (build/settings.json): when it is above 0, every boot that would start the application first
/// reads a drive for that long, so a drive plugged in before power-up updates a board that has a valid application.
/// The build makes a variant with a window (out/variants/usb-boot-window/: factory.hex with the same application and
/// version as out/factory.hex, and the settings.json it was built with); the shipped image has no window and must
/// ignore the drive.
/// </summary>
public class UsbBootWindowTests
{
    private const string VariantDir = "variants/usb-boot-window";
    private static ulong WindowPs => VariantWindowMs() * Board.Millisecond;
    /// <summary>Banner to verdict: the window, then the image check; LSE start-up and enumeration fit inside the window.</summary>
    private static ulong VerdictTimeoutPs => WindowPs + 5 * Board.Second;

    [Fact]
    public void A_newer_image_on_a_drive_plugged_in_at_power_up_is_installed_then_skipped_and_booted()
    {
        using var drives = new UsbDrives();
        var update = UpdateImages.Application(UpdateImages.New);
        var disk = drives.WithFirmware(update, fatBits: 32);
        using var board = VirtualBoards.With(Variant());
        board.AttachUsbDrive(disk.Path);

        board.PowerOn();
        var updated = board.NextUsbOutcome();
        var afterReset = board.Uart.Lines.Count;
        var skipped = board.NextUsbOutcome();
        var verdict = NextVerdict(board, afterReset);

        Assert.Equal($"usb: updated to {UpdateImages.New}", updated.Text);
        // The drive is still in at the next boot: same image, nothing flashed again, the application starts.
        Assert.Equal("usb: same image as installed, skipped", skipped.Text);
        Assert.Equal(UsbUpdates.BootsVersion(UpdateImages.New), verdict.Text);
        board.RunUntilApplication(UpdateImages.New);
        Assert.True(UpdateImages.InspectFlash(board).Accepted);
    }

    [Fact]
    public void Without_a_drive_the_application_boots_once_the_window_has_passed()
    {
        var factory = Variant();
        var installed = ImageVariants.ReadHeader(factory).FwVersion;
        using var board = VirtualBoards.With(factory);

        board.PowerOn();
        var banner = board.RunUntilLine(VirtualBoards.Banner, 100 * Board.Millisecond);
        var verdict = NextVerdict(board, 0);
        board.RunUntilApplication(installed);

        Assert.Equal(UsbUpdates.BootsVersion(installed), verdict.Text);
        Assert.Empty(board.UsbLines());
        Assert.InRange((verdict.EndPs - banner.EndPs) / (double)Board.Millisecond, WindowPs / (double)Board.Millisecond,
            (WindowPs + Board.Second) / (double)Board.Millisecond);
    }

    [Fact]
    public void The_installed_image_on_the_drive_is_skipped_without_a_flash_operation_and_the_application_boots()
    {
        using var drives = new UsbDrives();
        var factory = Variant();
        var installed = factory.Slice(Shipped.Map.Header.Base, Shipped.Map.Image.End);
        var version = ImageVariants.ReadHeader(factory).FwVersion;
        var disk = drives.WithFirmware(installed, fatBits: 16, partitioned: true);
        using var board = VirtualBoards.With(factory);
        board.AttachUsbDrive(disk.Path);
        // Flash operations in the application's region: the first boot of a fresh board also records the image's
        // security counter as the anti-rollback minimum, a double word in the OTP area.
        var started = 0;
        board.Peripherals.Flash.OperationStarted += operation => started += Shipped.Map.Header.Base <= operation.Address && operation.Address < Shipped.Map.Flash.End ? 1 : 0;

        board.PowerOn();
        var outcome = board.NextUsbOutcome();
        var verdict = NextVerdict(board, 0);
        board.RunUntilApplication(version);

        Assert.Equal("usb: same image as installed, skipped", outcome.Text);
        Assert.Equal(UsbUpdates.BootsVersion(version), verdict.Text);
        Assert.Equal(0, started);
    }

    /// <summary>The hand-over puts RCC back at reset values but keeps GPIOD out of its peripheral reset: PD12, the
    /// STMPS2141's enable, goes on driving VBUS off while the application starts (the virtual board stops the run if
    /// it ever floats after being driven).</summary>
    [Fact]
    public void Across_the_hand_over_PD12_goes_on_driving_VBUS_off_while_RCC_is_back_at_reset()
    {
        using var drives = new UsbDrives();
        var factory = Variant();
        var version = ImageVariants.ReadHeader(factory).FwVersion;
        var disk = drives.WithFirmware(factory.Slice(Shipped.Map.Header.Base, Shipped.Map.Image.End), fatBits: 12);
        using var board = VirtualBoards.With(factory);
        var drive = board.AttachUsbDrive(disk.Path);
        board.PowerOn();
        Assert.Equal("usb: same image as installed, skipped", board.NextUsbOutcome().Text);

        board.RunUntilAddress(ImageVariants.Vector(factory, 1) & ~1u, VerdictTimeoutPs);
        Assert.True(board.Peripherals.Gpio.Holds('D', 12), "PD12 should still be driven at the application's reset vector");
        Assert.True(board.Peripherals.Gpio.GetOutput('D', 12), "PD12 should drive the active-low enable high: VBUS off");
        Assert.StartsWith("VBUS is off", board.Peripherals.OtgFs.WhyNoConnection());
        Assert.Equal(0u, board.Read(0x4002_104C)); // RCC_AHB2ENR: GPIOD's clock gated, like every other
        board.RunUntilApplication(version);
        board.RunFor(Board.Second);
        Assert.StartsWith("VBUS is off", board.Peripherals.OtgFs.WhyNoConnection());
        Assert.NotEmpty(drive.Commands);
    }

    [Fact]
    public void The_shipped_bootloader_has_no_window_and_boots_a_valid_application_without_reading_the_drive()
    {
        using var drives = new UsbDrives();
        var disk = drives.WithFirmware(UpdateImages.Application(UpdateImages.New));
        using var board = VirtualBoards.With(Shipped.FactoryWith(UpdateImages.Old));
        var drive = board.AttachUsbDrive(disk.Path);

        var verdict = board.PowerOnAndReadVerdict();
        board.RunUntilApplication(UpdateImages.Old);
        board.RunFor(5 * Board.Second);

        Assert.Equal(UsbUpdates.BootsVersion(UpdateImages.Old), verdict);
        Assert.Empty(board.UsbLines());
        Assert.Empty(drive.Commands);
    }

    private static MemoryImage Variant() => IntelHexReader.ReadFile(VariantFile("factory.hex")).Image;

    private static ulong VariantWindowMs()
    {
        var settings = VariantFile("settings.json");
        var window = BuildSettings.Load(settings).UsbBootWindowMs;
        return window > 0 ? window
            : throw new InvalidOperationException($"{settings} sets UsbBootWindowMs 0: the variant exists to test a window above 0.");
    }

    /// <summary>The default build target does not make variants; the Variants target does (and Test, which needs it).</summary>
    private static string VariantFile(string name)
    {
        var path = Path.Combine(Shipped.OutDir, VariantDir, name);
        return File.Exists(path) ? path
            : throw new FileNotFoundException($"{path} is missing: build the variant with ./build.sh --target=Variants (the Test target does too).", path);
    }

    private static UartLine NextVerdict(Board board, int fromLine) => board.RunUntilLine("^(boot|stay): ", VerdictTimeoutPs, fromLine);
}
