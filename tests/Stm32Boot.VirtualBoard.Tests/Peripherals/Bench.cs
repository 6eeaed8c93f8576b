// The models of one board on a FakeBoard, with register access in the firmware's terms (absolute addresses, as
// the RM0351 memory map gives them) and a reset that behaves like the board's: events dropped, models reset.
using Stm32Boot.VirtualBoard.Peripherals;

namespace Stm32Boot.VirtualBoard.Tests.Peripherals;

public sealed class Bench
{
    public const uint RCC = 0x4002_1000, RCC_CR = RCC + 0x00, RCC_CFGR = RCC + 0x08, RCC_PLLCFGR = RCC + 0x0C,
        RCC_AHB1RSTR = RCC + 0x28, RCC_AHB1ENR = RCC + 0x48, RCC_AHB2ENR = RCC + 0x4C, RCC_APB1ENR1 = RCC + 0x58,
        RCC_APB2ENR = RCC + 0x60, RCC_CCIPR = RCC + 0x88, RCC_BDCR = RCC + 0x90, RCC_CSR = RCC + 0x94;
    public const uint FLASH = 0x4002_2000, FLASH_ACR = FLASH + 0x00, FLASH_KEYR = FLASH + 0x08,
        FLASH_OPTKEYR = FLASH + 0x0C, FLASH_SR = FLASH + 0x10, FLASH_CR = FLASH + 0x14, FLASH_OPTR = FLASH + 0x20;
    public const uint PWR_CR1 = 0x4000_7000, PWR_SR2 = 0x4000_7014;

    public Bench()
    {
        Models = new PeripheralSet(Board);
        Board.BusPeripherals.AddRange(Models.All);
    }

    public FakeBoard Board { get; } = new();
    public FakeClock Clock => Board.FakeClock;
    public PeripheralSet Models { get; }

    public uint Read(uint address, int size = 4)
    {
        var peripheral = Find(address);
        return peripheral.Read(address - peripheral.Base, size);
    }

    public void Write(uint address, uint value, int size = 4)
    {
        var peripheral = Find(address);
        peripheral.Write(address - peripheral.Base, size, value);
    }

    public void Set(uint address, uint bits) => Write(address, Read(address) | bits);

    public void Clear(uint address, uint bits) => Write(address, Read(address) & ~bits);

    public void Reset(ResetKind kind)
    {
        Clock.ClearEvents();
        foreach (var peripheral in Models.All) peripheral.Reset(kind);
    }

    /// RCC_APB1ENR1.PWREN and PWR_CR1.DBP: backup-domain writes allowed.
    public void EnableBackupDomainWrites()
    {
        Set(RCC_APB1ENR1, 1u << 28);
        Set(PWR_CR1, 1u << 8);
    }

    /// FLASH_KEYR unlock sequence (RM0351 §3.3.5), and FLASH_ACR.DCEN cleared as firmware must before any erase or
    /// program (errata ES0250, data cache and read-while-write; FlashTests covers what happens otherwise).
    public void UnlockFlash()
    {
        Write(FLASH_KEYR, 0x4567_0123);
        Write(FLASH_KEYR, 0xCDEF_89AB);
        Clear(FLASH_ACR, DCEN);
    }

    public const uint DCEN = 1u << 10;

    /// The usual 80 MHz set-up: 4 wait states, PLL from MSI 4 MHz (M = 1, N = 40, R = 2), switch, wait.
    public void ClockTo80MHz()
    {
        Write(FLASH_ACR, (Read(FLASH_ACR) & ~7u) | 4);
        Write(RCC_PLLCFGR, 1u /* PLLSRC = MSI */ | (40u << 8) | (1u << 24) /* PLLREN */);
        Set(RCC_CR, 1u << 24);
        Clock.AdvanceMicroseconds(20);
        Write(RCC_CFGR, (Read(RCC_CFGR) & ~3u) | 3);
        Clock.AdvanceMicroseconds(1);
    }

    private IPeripheral Find(uint address) =>
        Models.All.Single(p => address >= p.Base && address < p.Base + p.Size);
}
