// IBoard for model tests: records faults, IRQ and NMI levels, reset requests, code invalidations and checked flash
// ranges instead of stopping a CPU, and owns a 1 MB erased flash array.
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

    public bool Nmi => NmiLevels.ContainsValue(true);

    public bool Irq(int irqn) => IrqLevels.GetValueOrDefault(irqn);
}
