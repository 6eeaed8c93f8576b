// Routes CPU accesses in peripheral space to the IPeripheral models. Only the 4 KB pages that hold a model are
// mapped into Unicorn: an access anywhere else is an unmapped access, which Unicorn reports with the exact PC.
using Stm32Boot.VirtualBoard.Unicorn;

namespace Stm32Boot.VirtualBoard;

internal sealed unsafe class MmioBus
{
    private const uint PageSize = 0x1000;
    private readonly List<IPeripheral> _peripherals = new();
    private readonly Action<string> _fault;
    private uint[] _pages = [];
    private IPeripheral[][] _byPage = [];

    public MmioBus(Action<string> fault) => _fault = fault;

    public void Attach(IPeripheral peripheral)
    {
        var start = peripheral.Base;
        var end = (ulong)start + peripheral.Size;
        var inPeripheralSpace = start >= 0x4000_0000 && end <= 0x6000_0000;
        var inSystemSpace = start >= 0xE000_0000 && end <= 0xE010_0000;
        if (peripheral.Size == 0 || !(inPeripheralSpace || inSystemSpace))
            throw new ArgumentException($"{peripheral.Name}: 0x{start:X8}+0x{peripheral.Size:X} is not inside 0x40000000-0x5FFFFFFF or 0xE0000000-0xE00FFFFF.");
        foreach (var other in _peripherals)
            if (start < (ulong)other.Base + other.Size && other.Base < end)
                throw new ArgumentException($"{peripheral.Name} (0x{start:X8}+0x{peripheral.Size:X}) overlaps {other.Name} (0x{other.Base:X8}+0x{other.Size:X}).");
        _peripherals.Add(peripheral);
        var pages = new SortedSet<uint>(_pages);
        for (var page = start & ~(PageSize - 1); page < end; page += PageSize) pages.Add(page);
        _pages = pages.ToArray();
        _byPage = _pages.Select(p => _peripherals.Where(x => x.Base < p + PageSize && p < (ulong)x.Base + x.Size).ToArray()).ToArray();
    }

    public void Map(UnicornEngine engine, int machineId)
    {
        for (var i = 0; i < _pages.Length; i++)
            engine.MapMmio(_pages[i], PageSize,
                (delegate* unmanaged<IntPtr, ulong, uint, void*, ulong>)&NativeHooks.OnMmioRead,
                (delegate* unmanaged<IntPtr, ulong, uint, ulong, void*, void>)&NativeHooks.OnMmioWrite,
                (void*)(((long)machineId << 16) | (long)i));
    }

    public void ResetAll(ResetKind kind)
    {
        foreach (var peripheral in _peripherals) peripheral.Reset(kind);
    }

    public bool TryFind(uint address, out IPeripheral peripheral)
    {
        foreach (var candidate in _peripherals)
            if (address >= candidate.Base && address - candidate.Base < candidate.Size) { peripheral = candidate; return true; }
        peripheral = null!;
        return false;
    }

    public uint PageAddress(int page) => _pages[page];

    public uint Read(int page, uint offset, int size)
    {
        var address = _pages[page] + offset;
        var peripheral = Find(page, address);
        if (peripheral is null)
        {
            _fault($"read of {size} byte(s) at 0x{address:X8}: no peripheral is modelled there");
            return 0;
        }
        return peripheral.Read(address - peripheral.Base, size);
    }

    public void Write(int page, uint offset, int size, uint value)
    {
        var address = _pages[page] + offset;
        var peripheral = Find(page, address);
        if (peripheral is null)
        {
            _fault($"write of 0x{value:X8} ({size} byte(s)) at 0x{address:X8}: no peripheral is modelled there");
            return;
        }
        peripheral.Write(address - peripheral.Base, size, value);
    }

    private IPeripheral? Find(int page, uint address)
    {
        foreach (var candidate in _byPage[page])
            if (address - candidate.Base < candidate.Size) return candidate;
        return null;
    }
}
