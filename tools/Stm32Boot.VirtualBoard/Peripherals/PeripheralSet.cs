// The peripheral models of the B-L475E-IOT01A, built in dependency order and wired as on the board: RCC gates and
// clocks the others, PWR and RCC share the backup-domain protection, USART1's receive request reaches DMA1 and DMA2,
// the user button B1 (PC13) has an external pull-up (UM2153), so the pin reads high until the button is pressed, and
// OTG_FS reaches CN9 through its pins and the VBUS switch.
namespace Stm32Boot.VirtualBoard.Peripherals;

public sealed class PeripheralSet
{
    /// B1 USER on PC13: pressed = low.
    public const char ButtonPort = 'C';
    public const int ButtonPin = 13;

    public PeripheralSet(IBoard board)
    {
        var backupDomain = new BackupDomain();
        Rcc = new Rcc(board, backupDomain);
        Pwr = new Pwr(board, Rcc, backupDomain);
        Flash = new Flash(board, Rcc, Pwr);
        Crc = new Crc(board, Rcc);
        RtcBackup = new RtcBackup(board, backupDomain);
        Gpio = new Gpio(board, Rcc);
        Usart1 = new Usart(board, Rcc);
        // USART1_RX is request 2 of DMA1 channel 5 and of DMA2 channel 7 (RM0351 DMA request mapping).
        Dma1 = new Dma(board, Rcc, 1);
        Dma1.Route(5, 2, Usart1.RxDmaRequest);
        Dma2 = new Dma(board, Rcc, 2);
        Dma2.Route(7, 2, Usart1.RxDmaRequest);
        // The option bytes loaded at the reset decide whether the IWDG starts by itself (IWDG_SW = 0).
        Iwdg = new Iwdg(board, Rcc, () => !Flash.LoadedOptions.IwdgSw);
        DbgMcu = new DbgMcu(board);
        OtgFs = new OtgFs(board, Rcc, Pwr, Gpio);
        // OTG_FS resets before GPIO: the GPIO reset switches VBUS off, which OTG_FS must meet with its own registers
        // already at reset values (no interrupt raised from before the reset).
        All = [Rcc, Pwr, Flash, Crc, RtcBackup, OtgFs, Gpio, Usart1, Dma1, Dma2, Iwdg, DbgMcu];
        Gpio.SetInput(ButtonPort, ButtonPin, high: true);
        // The pull-ups of the VBUS switch: its enable (off while PD12 floats) and its open-drain over-current flag.
        Gpio.SetInput(OtgFs.VbusEnablePort, OtgFs.VbusEnablePin, high: !OtgFs.VbusEnableLevel);
        Gpio.SetInput(OtgFs.OverCurrentPort, OtgFs.OverCurrentPin, high: true);
    }

    public Rcc Rcc { get; }
    public Pwr Pwr { get; }
    public Flash Flash { get; }
    public Crc Crc { get; }
    public RtcBackup RtcBackup { get; }
    public Gpio Gpio { get; }
    public Usart Usart1 { get; }
    public Dma Dma1 { get; }
    public Dma Dma2 { get; }
    public Iwdg Iwdg { get; }
    public DbgMcu DbgMcu { get; }
    public OtgFs OtgFs { get; }

    /// Every model, for attaching to the bus and for resets.
    public IReadOnlyList<IPeripheral> All { get; }

    /// Holds B1 down (true) or lets the board's pull-up take PC13 high again (false).
    public void SetButtonPressed(bool pressed) => Gpio.SetInput(ButtonPort, ButtonPin, high: !pressed);
}
