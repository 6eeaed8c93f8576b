// The peripheral models of the board, built in dependency order and wired as BoardDescription says: RCC gates and
// clocks the others, PWR and RCC share the backup-domain protection, the console USART's receive request reaches the
// DMA channels RM0351 maps it to, the user button has an external pull-up (UM2153), so the pin reads "released" until
// the button is pressed, and OTG_FS reaches CN9 through its pins and the VBUS switch.
namespace Stm32Boot.VirtualBoard.Peripherals;

public sealed class PeripheralSet
{
    public PeripheralSet(IBoard board)
    {
        var backupDomain = new BackupDomain();
        Rcc = new Rcc(board, backupDomain);
        Pwr = new Pwr(board, Rcc, backupDomain);
        Flash = new Flash(board, Rcc, Pwr);
        Crc = new Crc(board, Rcc);
        RtcBackup = new RtcBackup(board, backupDomain);
        Gpio = new Gpio(board, Rcc);
        Console = new Usart(board, Rcc, BoardDescription.ConsoleUsart);
        Dma1 = new Dma(board, Rcc, 1);
        Dma2 = new Dma(board, Rcc, 2);
        foreach (var route in BoardDescription.ConsoleUsart.RxDmaRoutes)
            (route.Dma == 1 ? Dma1 : Dma2).Route(route.Channel, route.Request, Console.RxDmaRequest);
        // The option bytes loaded at the reset decide whether the IWDG starts by itself (IWDG_SW = 0).
        Iwdg = new Iwdg(board, Rcc, () => !Flash.LoadedOptions.IwdgSw);
        DbgMcu = new DbgMcu(board);
        OtgFs = new OtgFs(board, Rcc, Pwr, Gpio);
        // OTG_FS resets before GPIO: the GPIO reset switches VBUS off, which OTG_FS must meet with its own registers
        // already at reset values (no interrupt raised from before the reset).
        All = [Rcc, Pwr, Flash, Crc, RtcBackup, OtgFs, Gpio, Console, Dma1, Dma2, Iwdg, DbgMcu];
        SetButtonPressed(false);
        // The pulls of the VBUS switch: its enable (off while the pin floats) and its open-drain over-current flag.
        Gpio.SetInput(BoardDescription.UsbVbusEnable.Port, BoardDescription.UsbVbusEnable.Pin, high: !BoardDescription.UsbVbusEnableOnLevel);
        Gpio.SetInput(BoardDescription.UsbOverCurrent.Port, BoardDescription.UsbOverCurrent.Pin, high: !BoardDescription.UsbOverCurrentActiveLevel);
    }

    public Rcc Rcc { get; }
    public Pwr Pwr { get; }
    public Flash Flash { get; }
    public Crc Crc { get; }
    public RtcBackup RtcBackup { get; }
    public Gpio Gpio { get; }
    /// The console USART (BoardDescription.ConsoleUsart), wired to the host side of the ST-LINK virtual COM port.
    public Usart Console { get; }
    public Dma Dma1 { get; }
    public Dma Dma2 { get; }
    public Iwdg Iwdg { get; }
    public DbgMcu DbgMcu { get; }
    public OtgFs OtgFs { get; }

    /// Every model, for attaching to the bus and for resets.
    public IReadOnlyList<IPeripheral> All { get; }

    /// Holds the user button down (true) or lets the board's pull-up take its pin back (false).
    public void SetButtonPressed(bool pressed) =>
        Gpio.SetInput(BoardDescription.Button.Port, BoardDescription.Button.Pin, high: pressed == BoardDescription.ButtonPressedLevel);
}
