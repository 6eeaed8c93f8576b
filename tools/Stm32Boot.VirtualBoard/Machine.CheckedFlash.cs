// Flash ranges whose CPU reads the flash model must see (today: pages holding double words with a bad ECC). Any
// Unicorn memory-read hook, even one bounded to a range, sends every load of the whole machine down the slow path
// (measured with 2.0.1: a CRC loop over other flash ran 5× slower), so a checked range is instead remapped, on both
// aliases, as an MMIO region whose callbacks serve the array bytes and tell the model. Everywhere else flash stays
// plain host memory at full speed.
using Stm32Boot.VirtualBoard.Unicorn;

namespace Stm32Boot.VirtualBoard;

public sealed unsafe partial class Machine
{
    /// Unicorn 2.0.1 maps ARM memory in 1 KB pages (uc_ctl UC_CTL_UC_PAGE_SIZE on an M4).
    private const uint UnicornPageSize = 0x400;

    /// Flash offset → length of every range the model asked to check; it outlives resets, like the flash itself.
    private readonly SortedDictionary<uint, uint> _checkedFlash = new();
    /// Ranges mapped as MMIO in the current engine, by flash offset.
    private readonly Dictionary<uint, uint> _redirectedFlash = new();
    private readonly HashSet<uint> _pendingFlashChecks = new();

    public void CheckFlashReads(uint address, uint length, bool on)
    {
        var offset = address >= FlashBase ? address - FlashBase : address;
        if (offset >= FlashSize || length == 0 || length > FlashSize - offset || offset % UnicornPageSize != 0 || length % UnicornPageSize != 0)
            throw new ArgumentOutOfRangeException(nameof(address),
                $"0x{address:X8}+0x{length:X} is not a flash range in whole {UnicornPageSize}-byte pages, the smallest unit Unicorn can remap.");
        if (on) _checkedFlash[offset] = length;
        else _checkedFlash.Remove(offset);
        _pendingFlashChecks.Add(offset);
        if (_inEngine) RequestStop();
        else ApplyFlashChecks();
    }

    /// Brings the engine's mapping in line with the requests; only between slices, never inside Unicorn.
    private void ApplyFlashChecks()
    {
        if (_engine is not { } uc) { _pendingFlashChecks.Clear(); return; }
        if (_pendingFlashChecks.Count == 0) return;
        foreach (var offset in _pendingFlashChecks)
        {
            var wanted = _checkedFlash.TryGetValue(offset, out var length);
            if (wanted && !_redirectedFlash.ContainsKey(offset)) Redirect(uc, offset, length);
            else if (!wanted && _redirectedFlash.Remove(offset, out var mapped))
            {
                foreach (var alias in FlashAliases)
                {
                    uc.Unmap(alias + offset, mapped);
                    uc.MapHostMemory(alias + offset, mapped, UcNative.UC_PROT_READ | UcNative.UC_PROT_EXEC, _state->Flash + offset);
                }
            }
        }
        _pendingFlashChecks.Clear();
        // Code translated from either mapping of these pages must be decoded again from the new one.
        uc.FlushTranslations();
    }

    /// At power-on and every reset: the fresh engine maps flash whole, then the checked ranges are carved out.
    private void RedirectCheckedFlash(UnicornEngine uc)
    {
        _redirectedFlash.Clear();
        _pendingFlashChecks.Clear();
        foreach (var (offset, length) in _checkedFlash) Redirect(uc, offset, length);
    }

    private void Redirect(UnicornEngine uc, uint offset, uint length)
    {
        foreach (var alias in FlashAliases)
        {
            uc.Unmap(alias + offset, length);
            uc.MapMmio(alias + offset, length,
                (delegate* unmanaged<IntPtr, ulong, uint, void*, ulong>)&NativeHooks.OnCheckedFlashRead,
                (delegate* unmanaged<IntPtr, ulong, uint, ulong, void*, void>)&NativeHooks.OnCheckedFlashWrite,
                (void*)(((long)_id << 32) | (alias + offset)));
            // MMIO regions are mapped without execute permission; code runs from flash, so fetches must work too.
            uc.Protect(alias + offset, length, UcNative.UC_PROT_ALL);
        }
        _redirectedFlash[offset] = length;
    }

    private static readonly uint[] FlashAliases = [0x0000_0000, FlashBase];

    /// Whether code invalidation in this flash range needs a full flush (RemoveCache misses MMIO-translated code).
    private bool IsRedirected(uint offset, uint length)
    {
        foreach (var (start, size) in _redirectedFlash)
            if (offset < start + size && start < offset + length) return true;
        return false;
    }

    internal ulong OnCheckedFlashRead(uint address, int size)
    {
        var offset = address >= FlashBase ? address - FlashBase : address;
        ulong value = 0;
        for (var i = size - 1; i >= 0; i--) value = (value << 8) | _flash[offset + (uint)i];
        _accessAddress = address;
        _flashBus?.ReadArray(FlashBase + offset, size);
        _accessAddress = null;
        return value;
    }

    /// The OTP area as MMIO: it is read rarely (a boot reads its 1 KB once), so every access may go to the flash
    /// model, which owns its bytes and ECC. Without a flash model it stays unmapped: an access stops the run.
    private void MapOtp(UnicornEngine uc)
    {
        if (_flashBus is null) return;
        uc.MapMmio(OtpBase, OtpSize,
            (delegate* unmanaged<IntPtr, ulong, uint, void*, ulong>)&NativeHooks.OnOtpRead,
            (delegate* unmanaged<IntPtr, ulong, uint, ulong, void*, void>)&NativeHooks.OnOtpWrite,
            (void*)((long)_id << 32 | OtpBase));
    }

    internal ulong OnOtpRead(uint address, int size)
    {
        _accessAddress = address;
        var value = _flashBus!.ReadOtp(address, size);
        _accessAddress = null;
        return value;
    }

    internal void OnOtpWrite(uint address, int size, uint value)
    {
        _accessAddress = address;
        _flashBus!.WriteArray(address, size, value);
        _accessAddress = null;
        // A program may have started: the core must see the bank-1 stall at the next block, as after a main-flash store.
        RequestStop();
    }

    internal void OnCheckedFlashWrite(uint address, int size, uint value)
    {
        // Unlike a store into host-mapped flash, nothing reached the array: there is nothing to restore.
        DeliverFlashStore(address, size, value);
        RequestStop();
    }
}
