// The board the virtual board is: the B-L475E-IOT01A (UM2153) with its STM32L475VG (DS10969). Every board fact the
// models wire (which pins are the LEDs, the button, the console USART and its receive DMA, the USB connector and its
// power switch; which chip, with how much flash) is here and only here: Board, PeripheralSet, OtgFs, Usart, DbgMcu
// and Machine read it. platform/include/board.h is the firmware's copy of the same facts, build/settings.json
// (MemoryMap.FlashSize) the build's; BoardDescriptionMatchesFirmwareTests keeps the three from drifting apart. A port
// to another board edits this file as it edits board.h (docs/porting.md).
using Stm32Boot.VirtualBoard.Peripherals;

namespace Stm32Boot.VirtualBoard;

/// A GPIO pin: port 'A'..'H', pin 0..15.
public readonly record struct BoardPin(char Port, int Pin)
{
    public override string ToString() => $"P{Port}{Pin}";
}

public static class BoardDescription
{
    public const string Name = "B-L475E-IOT01A";

    /// DBGMCU_IDCODE as the chip reads it: REV_ID 0x1007 (revision 4), DEV_ID 0x415, the STM32L47x/L48x line
    /// (RM0351 §48.6.1).
    public const uint IdCode = 0x1007_6415, DeviceId = IdCode & 0xFFF;
    /// STM32L475VG: 1 MB of flash in two 512 KB banks (DS10969, RM0351 §3.3.1).
    public const uint FlashSize = 0x0010_0000;

    /// LD1 and LD2, green, lit while the pin is high (UM2153 §6.12).
    public static readonly BoardPin Led1 = new('A', 5), Led2 = new('B', 14);
    public const bool LedOnLevel = true;

    /// B1 USER: an external pull-up holds it high, pressing it pulls it low (UM2153).
    public static readonly BoardPin Button = new('C', 13);
    public const bool ButtonPressedLevel = false;

    /// The console: USART1 on PB6 (TX) and PB7 (RX), AF7 (DS10969, alternate function table), wired to the ST-LINK
    /// virtual COM port (UM2153); its receive request reaches DMA1 channel 5 and DMA2 channel 7.
    public static readonly UsartInstance ConsoleUsart = UsartInstance.Usart1;
    public static readonly BoardPin ConsoleTx = new('B', 6), ConsoleRx = new('B', 7);
    public const int ConsoleAlternateFunction = 7;

    /// USB OTG_FS on the micro-AB connector CN9: OTG_FS_DM on PA11 and OTG_FS_DP on PA12, AF10 (DS10969).
    public static readonly BoardPin UsbDm = new('A', 11), UsbDp = new('A', 12);
    public const int UsbAlternateFunction = 10;
    /// VBUS of CN9 comes from an STMPS2141 power switch whose enable input is PD12, active low (STMPS2141 datasheet,
    /// Table 1); a pull-up keeps it off while PD12 is not driven. Its open-drain fault output reaches PE3, pulled up:
    /// low means over-current.
    public static readonly BoardPin UsbVbusEnable = new('D', 12);
    public const bool UsbVbusEnableOnLevel = false;
    public static readonly BoardPin UsbOverCurrent = new('E', 3);
    public const bool UsbOverCurrentActiveLevel = false;
}
