// IBoard for model tests: records faults, IRQ and NMI levels, reset requests, code invalidations, checked flash
// ranges and flash stalls instead of stopping a CPU, and owns a 1 MB erased flash array and SRAM1 for bus masters
// (DMA), which also reach the models attached to BusPeripherals.
namespace Stm32Boot.VirtualBoard.Tests.Peripherals;

public sealed class FakeBoard : IBoard
{
    public FakeClock FakeClock { get; } = new();
    public IVirtualClock Clock => FakeClock;
    public byte[] Flash { get; } = Enumerable.Repeat((byte)0xFF, 1024 * 1024).ToArray();
    public List<string> Faults { get; } = new();
    public Dictionary<int, bool> IrqLevels { get; } = new();
    public List<string> ResetRequests { get; } = new();
    public List<(uint Address, uint Length)> Invalidations { get; } = new();
    public Dictionary<string, bool> NmiLevels { get; } = new();
    /// The flash ranges whose reads the board currently routes through IFlashBus.ReadArray.
    public HashSet<(uint Address, uint Length)> CheckedFlash { get; } = new();
    /// The flash range whose reads stall now, if any, and every stall ever started.
    public (uint Address, uint Length)? Stalled { get; private set; }
    public List<(uint Address, uint Length)> Stalls { get; } = new();
    public const uint SramBase = 0x2000_0000;
    public byte[] Sram { get; } = new byte[96 * 1024];
    public List<IPeripheral> BusPeripherals { get; } = new();

    public void SetIrqLevel(int irqn, bool asserted) => IrqLevels[irqn] = asserted;
    public void Fault(string message) => Faults.Add(message);
    public void InvalidateCode(uint address, uint length) => Invalidations.Add((address, length));
    public void RequestSystemReset(string reason) => ResetRequests.Add(reason);
    public void SetNmiLevel(string source, bool asserted) => NmiLevels[source] = asserted;

    public void CheckFlashReads(uint address, uint length, bool on)
    {
        if (on) CheckedFlash.Add((address, length));
        else CheckedFlash.Remove((address, length));
    }

    public void StallFlashReads(uint address, uint length, bool stalled)
    {
        if (stalled) Stalls.Add((address, length));
        Stalled = stalled ? (address, length) : null;
    }

    public bool TryBusMasterRead(uint address, int size, out uint value)
    {
        value = 0;
        if (address - SramBase <= (uint)Sram.Length - (uint)size)
        {
            for (var i = size - 1; i >= 0; i--) value = (value << 8) | Sram[address - SramBase + (uint)i];
            return true;
        }
        if (BusPeripheral(address) is not { } peripheral) return false;
        value = peripheral.Read(address - peripheral.Base, size);
        return true;
    }

    public bool TryBusMasterWrite(uint address, int size, uint value)
    {
        if (address - SramBase <= (uint)Sram.Length - (uint)size)
        {
            for (var i = 0; i < size; i++) Sram[address - SramBase + (uint)i] = (byte)(value >> (8 * i));
            return true;
        }
        if (BusPeripheral(address) is not { } peripheral) return false;
        peripheral.Write(address - peripheral.Base, size, value);
        return true;
    }

    private IPeripheral? BusPeripheral(uint address) =>
        BusPeripherals.FirstOrDefault(p => address >= p.Base && address - p.Base < p.Size);

    public bool Nmi => NmiLevels.ContainsValue(true);

    public bool Irq(int irqn) => IrqLevels.GetValueOrDefault(irqn);
}
