// The board (BoardDescription: the B-L475E-IOT01A) as a test or the emulate command sees it: the Cortex-M4 machine
// with the STM32L475 models attached, LEDs and button wired as BoardDescription says, the console USART transcribed, a USB device that can be plugged
// into CN9 and pulled out at any moment, power-cut injection, and the option bytes as a programmer sets them.
using System.Text.RegularExpressions;
using Stm32Boot.VirtualBoard.Peripherals;
using Stm32Boot.VirtualBoard.Usb;
using FlashModel = Stm32Boot.VirtualBoard.Peripherals.Flash;

namespace Stm32Boot.VirtualBoard;

public sealed class Board : IDisposable
{
    public const ulong Microsecond = 1_000_000, Millisecond = 1_000_000_000, Second = 1_000_000_000_000;
    private readonly List<PinEdge> _edges = new();
    private long _cutAfterOperation;
    private IUsbFunction? _usbDevice;

    public Board()
    {
        Machine = new Machine();
        Peripherals = new PeripheralSet(Machine);
        foreach (var peripheral in Peripherals.All) Machine.Attach(peripheral);
        Peripherals.Console.Transmitted += b => Uart.Add(b, Machine.NowPs);
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
    /// LED1 and LED2 (BoardDescription): lit or dark now.
    public bool Led1 => Lit(BoardDescription.Led1);
    public bool Led2 => Lit(BoardDescription.Led2);
    /// Every change of LED1 or LED2 (edges with the pin's level: BoardDescription.LedOnLevel is lit).
    public IEnumerable<PinEdge> Led1Edges => _edges.Where(e => e.Port == BoardDescription.Led1.Port && e.Pin == BoardDescription.Led1.Pin);
    public IEnumerable<PinEdge> Led2Edges => _edges.Where(e => e.Port == BoardDescription.Led2.Port && e.Pin == BoardDescription.Led2.Pin);

    private bool Lit(BoardPin led) => Peripherals.Gpio.GetOutput(led.Port, led.Pin) == BoardDescription.LedOnLevel;

    /// Programs an Intel HEX file into flash: <see cref="LoadFirmware"/>, which takes any firmware file.
    public void LoadHex(string path) => LoadFirmware(path);

    /// Programs a firmware file into flash, as a programmer would; everything else stays as it is. Any file `info` and
    /// `flash` read (<see cref="FirmwareFile"/>): an ELF's loadable segments at their load addresses, an Intel HEX file,
    /// or FILE.bin@ADDRESS. Under RDP level 1 or 2 a programmer cannot write the flash (RM0351 §3.5.1), and neither can this.
    public void LoadFirmware(string file)
    {
        if (Peripherals.Flash.LoadedOptions.RdpLevel != 0)
            throw new InvalidOperationException($"{file}: the flash is read-protected (RDP 0x{Peripherals.Flash.LoadedOptions.Rdp:X2}, level " +
                $"{Peripherals.Flash.LoadedOptions.RdpLevel}); a debugger can neither read nor program it (RM0351 §3.5.1). Set OptionBytes with " +
                "RDP 0xAA first, which mass-erases the flash, as STM32CubeProgrammer does.");
        var firmware = FirmwareFile.Load(file);
        var flash = new MemoryRegion("flash", Machine.FlashBase, Machine.FlashSize);
        // Checked before the first byte is written: a refused file leaves the flash as it was.
        if (BytesOutside.Describe(firmware.Image, flash, firmware.Path) is { } outside)
            throw new ArgumentException($"{outside}; the board can only load flash images.");
        foreach (var segment in firmware.Image.Segments)
            Machine.LoadFlash(segment.Address, segment.Data);
    }

    /// The option bytes (RM0351 §3.4). Get: what the option-byte flash holds now (the value words, whether or not
    /// they are loaded yet, torn or not). Set: what a programmer (ST-LINK, STM32CubeProgrammer) writes, with RM0351's
    /// consequences (RDP level 1 to 0 mass-erases the flash; level 2 is refused). A board not powered yet loads them
    /// at once; a running one at its next power-on, or when its firmware sets OBL_LAUNCH.
    public OptionBytes OptionBytes
    {
        get => Peripherals.Flash.StoredOptions;
        set
        {
            Peripherals.Flash.ProgramOptionBytes(value);
            if (!Machine.PoweredOn) Peripherals.Flash.LoadOptionBytes();
        }
    }

    /// The OTP area (RM0351 §3.3.1): a snapshot of its 1 KB from Machine.OtpBase (0x1FFF7000), 0xFF where erased.
    /// It survives resets, power cycles, mass erase and RDP regression; nothing erases it.
    public byte[] Otp => Peripherals.Flash.Otp;

    /// Programs whole double words of the OTP area, as a production programmer would (STM32CubeProgrammer over SWD),
    /// at any time, before PowerOn too. Write-once as on silicon: a double word with any bit at 0 throws, and then
    /// nothing of the request is programmed.
    public void ProgramOtp(uint address, ReadOnlySpan<byte> bytes) => Peripherals.Flash.ProgramOtp(address, bytes);

    /// Reads memory as a debugger (SWD, ST-LINK) would: memory and peripheral registers (Machine.DebugRead).
    /// RM0351 §3.5.1: at RDP level 1 the main flash and SRAM2 are inaccessible from the debug port, a bus error; the
    /// CPU still reads them (Read, Machine.ReadMemory are the test's own view, not a debugger's).
    public byte[] ReadThroughDebugPort(uint address, int length)
    {
        CheckDebugAccess("read", address, length);
        return Machine.DebugRead(address, length);
    }

    /// Writes memory as a debugger would (Machine.DebugWriteMemory), under the same RDP rule as ReadThroughDebugPort.
    public void WriteThroughDebugPort(uint address, ReadOnlySpan<byte> bytes)
    {
        CheckDebugAccess("write", address, bytes.Length);
        Machine.DebugWriteMemory(address, bytes);
    }

    private void CheckDebugAccess(string what, uint address, int length)
    {
        var options = Peripherals.Flash.LoadedOptions;
        if (options.RdpLevel != 0 && (Overlaps(address, length, 0, Machine.FlashSize) ||
                                      Overlaps(address, length, Machine.FlashBase, Machine.FlashSize) ||
                                      Overlaps(address, length, Machine.Sram2Base, Machine.Sram2Size) ||
                                      Overlaps(address, length, Machine.Sram2Alias, Machine.Sram2Size)))
            throw new InvalidOperationException($"debug {what} of 0x{address:X8}+{length}: bus error, RDP 0x{options.Rdp:X2} (level " +
                $"{options.RdpLevel}) makes the flash and SRAM2 inaccessible to a debugger (RM0351 §3.5.1).");
    }

    private static bool Overlaps(uint address, int length, uint start, uint size) =>
        address < (ulong)start + size && (ulong)address + (uint)length > start;

    public void PowerOn() => Machine.PowerOn();
    /// NRST: a system reset, as the board's reset button does.
    public void PressResetButton() => Machine.PressReset();

    /// B1 USER (PC13, pressed = low); it stays pressed across resets until released, like a finger on it.
    public void PressButton() => Peripherals.SetButtonPressed(true);
    public void ReleaseButton() => Peripherals.SetButtonPressed(false);

    /// Bytes from the host to USART1 RX, delivered one frame time apart from now.
    public void SendToUart(ReadOnlySpan<byte> bytes) => Peripherals.Console.HostSend(bytes);
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

    /// AN2606 (STM32L47xxx/48xxx, "dual bank boot"): with BFB2 = 1 the chip starts ST's system bootloader, which
    /// jumps to bank 2 (remapped at 0x00000000) when bank 2 starts with a valid stack pointer, else to bank 1 when
    /// bank 1 does, else stays for a host. Only the bank-1 case is the boot this board models. A valid stack pointer
    /// is taken as an address in SRAM1 or SRAM2's alias, top included (AN2606 names no exact range).
    private void CheckDualBankBoot()
    {
        uint bank1 = Read(Machine.FlashBase), bank2 = Read(Machine.FlashBase + FlashModel.BankSize);
        static bool Valid(uint sp) => sp >= Machine.Sram1Base && sp <= Machine.Sram2Alias + Machine.Sram2Size;
        if (Valid(bank2))
            Machine.Fault($"BFB2 = 1 and bank 2 starts with 0x{bank2:X8}, a stack pointer in SRAM: ST's system bootloader would " +
                          "remap bank 2 at 0x00000000 and start it (AN2606, dual bank boot). The virtual board models neither the " +
                          "system bootloader nor the bank swap; clear BFB2.");
        else if (!Valid(bank1))
            Machine.Fault($"BFB2 = 1 and neither bank starts with a stack pointer in SRAM (bank 1: 0x{bank1:X8}, bank 2: " +
                          $"0x{bank2:X8}): ST's system bootloader would wait for a host (AN2606, dual bank boot), which the " +
                          "virtual board does not model.");
    }

    private void OnReset(ResetRecord reset)
    {
        if (Peripherals.Flash.LoadedOptions.Bfb2) CheckDualBankBoot();
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
