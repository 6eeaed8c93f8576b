// Independent watchdog (RM0351 §32): a 12-bit down-counter on LSI (32 kHz) behind a prescaler of 4..256. Started
// by the key 0xCCCC, refreshed by 0xAAAA, configured after 0x5555; reaching zero, or a refresh above the window,
// resets the chip with RCC_CSR.IWDGRSTF. Once started only a reset stops it. With the option bit IWDG_SW = 1 software
// starts it; with IWDG_SW = 0 (RM0351 §32.3 "Hardware watchdog") it starts by itself at every reset, before the
// first instruction. The counter is not stored: it is computed from the virtual time of the last reload.
namespace Stm32Boot.VirtualBoard.Peripherals;

public sealed class Iwdg : MmioPeripheral
{
    public const uint BaseAddress = 0x4000_3000;

    private const uint IWDG_KR = 0x00, IWDG_PR = 0x04, IWDG_RLR = 0x08, IWDG_SR = 0x0C, IWDG_WINR = 0x10;
    public const uint KeyStart = 0xCCCC, KeyUnlock = 0x5555, KeyRefresh = 0xAAAA;
    private const uint IWDG_SR_PVU = 1u << 0, IWDG_SR_RVU = 1u << 1, IWDG_SR_WVU = 1u << 2;
    private const uint IWDG_PR_PR = 7, IWDG_RLR_RL = 0xFFF, IWDG_WINR_WIN = 0xFFF;

    /// DS10969 §6.3.8: LSI runs at 32 kHz (typical).
    public const uint LsiHz = 32_000;
    /// RM0351 §32.4.2-32.4.5: a new PR/RLR/WINR value reaches the LSI domain within five LSI cycles.
    private static readonly ulong RegisterUpdatePs = VirtualTime.Cycles(5, LsiHz);

    private readonly Rcc _rcc;
    private readonly Func<bool> _hardwareWatchdog;
    private readonly VirtualTimer _expiry, _prescalerUpdate, _reloadUpdate, _windowUpdate;
    private uint _pr, _rlr, _winr;
    private bool _unlocked;
    private uint _counterAtReload;
    private ulong _reloadPs;

    /// hardwareWatchdog tells, at each reset, whether the loaded option bytes say IWDG_SW = 0.
    public Iwdg(IBoard board, Rcc rcc, Func<bool> hardwareWatchdog) : base(board, "IWDG", BaseAddress, 0x400)
    {
        _rcc = rcc;
        _hardwareWatchdog = hardwareWatchdog;
        _expiry = new VirtualTimer(board);
        _prescalerUpdate = new VirtualTimer(board);
        _reloadUpdate = new VirtualTimer(board);
        _windowUpdate = new VirtualTimer(board);
        Reset(ResetKind.PowerOn);
    }

    public bool Running { get; private set; }

    /// The firmware reloaded the running counter with the key 0xAAAA (a test sees where it does that from).
    public event Action? Refreshed;

    /// PR: 0 = /4, 1 = /8 ... 6 and 7 = /256 (RM0351 §32.4.2).
    public uint Prescaler => 4u << (int)Math.Min(_pr, 6);

    /// Time from a reload to the reset: (RLR + 1) counts of prescaler / LSI.
    public ulong TimeoutPs => (ulong)(_rlr + 1) * TickPs;

    private ulong TickPs => VirtualTime.Cycles(Prescaler, LsiHz);

    public override void Reset(ResetKind kind)
    {
        foreach (var timer in new[] { _expiry, _prescalerUpdate, _reloadUpdate, _windowUpdate }) timer.Cancel();
        Running = false;
        _unlocked = false;
        _pr = 0;
        _rlr = IWDG_RLR_RL;
        _winr = IWDG_WINR_WIN;
        if (_hardwareWatchdog()) Start();
    }

    private protected override uint ReadRegister(uint offset)
    {
        switch (offset)
        {
            case IWDG_KR: return 0; // write-only
            case IWDG_PR: return _pr;
            case IWDG_RLR: return _rlr;
            case IWDG_SR:
                return (_prescalerUpdate.Pending ? IWDG_SR_PVU : 0) | (_reloadUpdate.Pending ? IWDG_SR_RVU : 0) |
                       (_windowUpdate.Pending ? IWDG_SR_WVU : 0);
            case IWDG_WINR: return _winr;
            default:
                Unmodelled(offset, "read");
                return 0;
        }
    }

    private protected override void WriteRegister(uint offset, uint value, uint mask)
    {
        switch (offset)
        {
            case IWDG_KR: WriteKey(value & mask & 0xFFFF); break;
            case IWDG_PR:
                if (_unlocked) Update(_prescalerUpdate, () => { Rebase(); _pr = value & IWDG_PR_PR; Rearm(); });
                break;
            case IWDG_RLR:
                if (_unlocked) Update(_reloadUpdate, () => _rlr = value & IWDG_RLR_RL);
                break;
            case IWDG_WINR:
                // RM0351 §32.3.5: writing WINR while the watchdog runs also reloads the counter.
                if (_unlocked) Update(_windowUpdate, () => { _winr = value & IWDG_WINR_WIN; if (Running) Reload(); });
                break;
            case IWDG_SR: break; // read-only
            default: Unmodelled(offset, "write"); break;
        }
    }

    /// A protected register write is lost while the registers are locked (RM0351 §32.3.6); unlocked, the value
    /// lands in the LSI domain a few LSI cycles later, with the SR update flag set meanwhile.
    private void Update(VirtualTimer pending, Action apply) => pending.ArmAfter(RegisterUpdatePs, apply);

    private void WriteKey(uint key)
    {
        // Every key but 0x5555 re-enables the write protection (RM0351 §32.4.1).
        _unlocked = key == KeyUnlock;
        switch (key)
        {
            case KeyStart when !Running:
                Start();
                break;
            case KeyRefresh when Running:
                var counter = Counter;
                if (counter > _winr)
                {
                    Expire($"IWDG refreshed at counter {counter}, above the window IWDG_WINR = {_winr}");
                    break;
                }
                Reload();
                Refreshed?.Invoke();
                break;
        }
    }

    private void Start()
    {
        Running = true;
        _rcc.ForceLsiForWatchdog();
        Reload();
    }

    private uint Counter => _counterAtReload - (uint)Math.Min(_counterAtReload, (Board.Clock.NowPs - _reloadPs) / TickPs);

    private void Reload()
    {
        _counterAtReload = _rlr;
        _reloadPs = Board.Clock.NowPs;
        Rearm();
    }

    /// Keeps the current count when the prescaler changes under a running counter.
    private void Rebase()
    {
        if (!Running) return;
        _counterAtReload = Counter;
        _reloadPs = Board.Clock.NowPs;
    }

    private void Rearm()
    {
        if (!Running) return;
        _expiry.Arm(_reloadPs + (_counterAtReload + 1) * TickPs, () => Expire("IWDG counter reached 0"));
    }

    private void Expire(string reason)
    {
        _rcc.RecordResetCause(RccResetFlags.IWDGRSTF);
        Board.RequestSystemReset(reason);
    }
}
