// The B-L475E-IOT01A as a test or the emulate command sees it: the Cortex-M4 machine with the STM32L475 models
// attached, LEDs and button wired as on the board (UM2153), USART1 transcribed, a USB device that can be plugged
// into CN9 and pulled out at any moment, and power-cut injection.
using System.Text.RegularExpressions;
using Stm32Boot.VirtualBoard.Peripherals;
using Stm32Boot.VirtualBoard.Usb;

namespace Stm32Boot.VirtualBoard;

public sealed class Board : IDisposable
{
    public const ulong Microsecond = 1_000_000, Millisecond = 1_000_000_000, Second = 1_000_000_000_000;
    /// LED1 (green) on PA5, LED2 (green) on PB14 (UM2153 §6.12): high = on.
    public const char Led1Port = 'A', Led2Port = 'B';
    public const int Led1Pin = 5, Led2Pin = 14;

    private readonly List<PinEdge> _edges = new();
    private long _cutAfterOperation;
    private IUsbFunction? _usbDevice;

    public Board()
    {
        Machine = new Machine();
        Peripherals = new PeripheralSet(Machine);
        foreach (var peripheral in Peripherals.All) Machine.Attach(peripheral);
        Peripherals.Usart1.Transmitted += b => Uart.Add(b, Machine.NowPs);
        Peripherals.Gpio.OutputChanged += (port, pin, level, atPs) => _edges.Add(new PinEdge(port, pin, level, atPs));
        Peripherals.Flash.OperationCompleted += OnFlashOperation;
        Machine.ResetOccurred += OnReset;
    }

    public Machine Machine { get; }
    public PeripheralSet Peripherals { get; }
    public UartTranscript Uart { get; } = new();
    /// Every GPIO output edge since the board was created.
    public IReadOnlyList<PinEdge> PinEdges => _edges;
    public ulong NowPs => Machine.NowPs;
    public bool Led1 => Peripherals.Gpio.GetOutput(Led1Port, Led1Pin);
    public bool Led2 => Peripherals.Gpio.GetOutput(Led2Port, Led2Pin);
    public IEnumerable<PinEdge> Led1Edges => _edges.Where(e => e.Port == Led1Port && e.Pin == Led1Pin);
    public IEnumerable<PinEdge> Led2Edges => _edges.Where(e => e.Port == Led2Port && e.Pin == Led2Pin);

    /// Programs an Intel HEX file into flash, as a programmer would; everything else stays as it is.
    public void LoadHex(string path)
    {
        var hex = Stm32Boot.IntelHexReader.ReadFile(path);
        foreach (var segment in hex.Image.Segments)
        {
            if (segment.Address < Machine.FlashBase || segment.End > (ulong)Machine.FlashBase + Machine.FlashSize)
                throw new ArgumentException($"{path}: data at 0x{segment.Address:X8}-0x{segment.End - 1:X8} is outside the flash " +
                    $"0x{Machine.FlashBase:X8}-0x{Machine.FlashBase + Machine.FlashSize - 1:X8}; the board can only load flash images.");
            Machine.LoadFlash(segment.Address, segment.Data);
        }
    }

    public void PowerOn() => Machine.PowerOn();
    /// NRST: a system reset, as the board's reset button does.
    public void PressResetButton() => Machine.PressReset();

    /// B1 USER (PC13, pressed = low); it stays pressed across resets until released, like a finger on it.
    public void PressButton() => Peripherals.SetButtonPressed(true);
    public void ReleaseButton() => Peripherals.SetButtonPressed(false);

    /// Bytes from the host to USART1 RX, delivered one frame time apart from now.
    public void SendToUart(ReadOnlySpan<byte> bytes) => Peripherals.Usart1.HostSend(bytes);
    public void SendToUart(string text) => SendToUart(System.Text.Encoding.ASCII.GetBytes(text));

    public RunResult RunFor(ulong durationPs, Func<bool>? until = null) => Machine.RunFor(durationPs, until);

    /// Runs until USART1 has sent a line matching pattern (searching lines from fromLine on), and returns it.
    /// Throws TimeoutException with the transcript when timeoutPs of virtual time pass first.
    public UartLine RunUntilLine(string pattern, ulong timeoutPs, int fromLine = 0)
    {
        var regex = new Regex(pattern);
        UartLine? found = null;
        bool Match()
        {
            for (var i = fromLine; i < Uart.Lines.Count; i++)
                if (regex.IsMatch(Uart.Lines[i].Text)) { found = Uart.Lines[i]; return true; }
            return false;
        }
        Machine.RunFor(timeoutPs, Match);
        return found ?? throw new TimeoutException(
            $"no USART1 line matching /{pattern}/ within {timeoutPs / (double)Millisecond:F1} ms of virtual time. USART1 so far:\n{Uart}");
    }

    /// Runs until the CPU is about to execute the instruction at address; returns its state there.
    public CpuState RunUntilAddress(uint address, ulong timeoutPs)
    {
        var added = Machine.AddBreakpoint(address);
        try
        {
            var result = Machine.RunFor(timeoutPs);
            if (result.Reason != StopReason.Breakpoint)
                throw new TimeoutException($"the CPU did not reach 0x{address:X8} within {timeoutPs / (double)Millisecond:F1} ms of virtual time. USART1 so far:\n{Uart}");
            return Machine.ReadCpu();
        }
        finally
        {
            if (added) Machine.RemoveBreakpoint(address);
        }
    }

    /// The emulated thumb drive plugged into CN9, if one is.
    public UsbMassStorageDrive? UsbDrive => Peripherals.OtgFs.Device as UsbMassStorageDrive;

    /// Plugs an emulated USB thumb drive reading the disk image at imagePath into CN9 (USB OTG_FS, through an OTG
    /// adapter), at any moment: before power-on it is there from the start. Returns it for its test knobs.
    public UsbMassStorageDrive AttachUsbDrive(string imagePath, UsbDriveOptions? options = null)
    {
        var drive = new UsbMassStorageDrive(imagePath, options);
        AttachUsbDevice(drive);
        return drive;
    }

    /// Plugs any emulated USB device into CN9 (a hub, a keyboard: devices the bootloader must refuse).
    public void AttachUsbDevice(IUsbFunction device)
    {
        DetachUsbDrive();
        Peripherals.OtgFs.Attach(device);
        _usbDevice = device;
    }

    /// Pulls the device out of CN9 at once, in the middle of a transfer if one is running.
    public void DetachUsbDrive()
    {
        Peripherals.OtgFs.Detach();
        (_usbDevice as IDisposable)?.Dispose();
        _usbDevice = null;
    }

    /// A register or memory word, read as the CPU would (see Machine.ReadWord).
    public uint Read(uint address) => Machine.ReadWord(address);

    /// Cuts the power right after the n-th completed flash erase/program operation from now (1 = the next one),
    /// then powers up from what flash holds. 0 cancels.
    public void CutPowerAfterFlashOperations(long n) =>
        _cutAfterOperation = n <= 0 ? 0 : Peripherals.Flash.CompletedOperations + n;

    private void OnFlashOperation(FlashOperation operation)
    {
        if (_cutAfterOperation == 0 || Peripherals.Flash.CompletedOperations < _cutAfterOperation) return;
        _cutAfterOperation = 0;
        Machine.RequestPowerCut($"after flash operation #{Peripherals.Flash.CompletedOperations}: {operation.Kind} at 0x{operation.Address:X8}");
    }

    private void OnReset(ResetRecord reset)
    {
        // The reset cause flags of RCC_CSR: the IWDG records its own; power-on sets PINRSTF|BORRSTF in the model.
        if (reset.Reason == Machine.SoftwareResetReason) Peripherals.Rcc.RecordResetCause(RccResetFlags.SFTRSTF);
        else if (reset.Reason == Machine.NrstReason) Peripherals.Rcc.RecordResetCause(RccResetFlags.None);
    }

    public void Dispose()
    {
        (_usbDevice as IDisposable)?.Dispose();
        Machine.Dispose();
    }
}
