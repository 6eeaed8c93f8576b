// General-purpose I/O ports A..E and H of the STM32L475VG (RM0351 §8), one 0x400-byte block per port from
// 0x48000000. A pin's level is what drives it: the output driver in output mode (push-pull, or open-drain when it
// pulls low), else the outside world (SetInput: button B1, test harness), else the pull resistor; a floating pin
// reads low. Alternate-function pins are driven by their peripheral, which is not wired here: they read as inputs.
namespace Stm32Boot.VirtualBoard.Peripherals;

/// A GPIO output pin changed level (virtual time in picoseconds).
public delegate void PinChangedHandler(char port, int pin, bool level, ulong timePs);

/// The firmware let a pin float that the chip held at a level until then (virtual time in picoseconds).
public delegate void PinReleasedHandler(char port, int pin, ulong timePs);

public sealed class Gpio : MmioPeripheral
{
    public const uint BaseAddress = 0x4800_0000;
    private const uint PortStride = 0x400;

    private const uint GPIO_MODER = 0x00, GPIO_OTYPER = 0x04, GPIO_OSPEEDR = 0x08, GPIO_PUPDR = 0x0C,
        GPIO_IDR = 0x10, GPIO_ODR = 0x14, GPIO_BSRR = 0x18, GPIO_LCKR = 0x1C, GPIO_AFRL = 0x20, GPIO_AFRH = 0x24,
        GPIO_BRR = 0x28, GPIO_ASCR = 0x2C;
    private const uint GPIO_LCKR_LCKK = 1u << 16;
    private const uint MODE_OUTPUT = 1, MODE_ALTERNATE = 2, MODE_ANALOG = 3;
    private const uint PULL_UP = 1;

    /// Ports bonded out on the LQFP100 package (DS10969 §4); GPIOF and GPIOG exist only on larger packages.
    private const string Ports = "ABCDEH";

    private readonly Rcc _rcc;
    private readonly Dictionary<char, Port> _ports = new();

    public Gpio(IBoard board, Rcc rcc) : base(board, "GPIO", BaseAddress, 8 * PortStride)
    {
        _rcc = rcc;
        foreach (var name in Ports) _ports[name] = new Port(name);
        rcc.PeripheralReset += gate =>
        {
            foreach (var port in _ports.Values)
                if (gate == ClockGate.Gpio(port.Name)) ResetPort(port, chipReset: false);
        };
        Reset(ResetKind.PowerOn);
    }

    /// Raised when a pin in output mode changes level, or a pin starts being driven at a new level.
    public event PinChangedHandler? OutputChanged;

    /// Raised when a pin the chip held at a level (a push-pull output, an open-drain output pulling low, or an input
    /// with its pull-up or pull-down) is left floating — analog, an input without pull, an open-drain output let go —
    /// by a register write or by the port's reset through RCC_AHB2RSTR. A chip reset is not reported: every pin leaves
    /// it floating (analog, RM0351 §8.3.1) before any firmware could hold it: a board has to live with that float at every
    /// power-up.
    public event PinReleasedHandler? PinReleased;

    /// Raised after any write to a port's registers, any outside-world input change and any reset of the port, so a
    /// model whose signals pass through pins (OTG_FS DM/DP, the VBUS switch enable) can look at them again.
    public event Action<char>? PortChanged;

    /// The outside world drives the pin high or low (a pressed B1 pulls PC13 low); survives resets, like wiring.
    public void SetInput(char port, int pin, bool high)
    {
        var state = PortOf(port);
        CheckPin(pin);
        state.ExternallyDriven[pin] = true;
        state.External[pin] = high;
        Refresh(state);
    }

    /// The level on the pin as the chip drives or senses it (see the class comment).
    public bool GetOutput(char port, int pin)
    {
        CheckPin(pin);
        return PinLevel(PortOf(port), pin);
    }

    /// Whether the chip holds the pin at a level: an output driving it, or a pull resistor (see PinReleased).
    public bool Holds(char port, int pin)
    {
        CheckPin(pin);
        return HoldsLevel(PortOf(port), pin);
    }

    /// The alternate function (AF0..AF15 of GPIOx_AFRL/AFRH) connecting the pin to a peripheral, or null when the
    /// pin is not in alternate-function mode (RM0351 §8.4.10).
    public int? AlternateFunction(char port, int pin)
    {
        CheckPin(pin);
        var state = PortOf(port);
        if (Mode(state, pin) != MODE_ALTERNATE) return null;
        var afr = pin < 8 ? state.Afrl : state.Afrh;
        return (int)((afr >> (4 * (pin % 8))) & 0xF);
    }

    public override void Reset(ResetKind kind)
    {
        foreach (var port in _ports.Values) ResetPort(port, chipReset: true);
    }

    private sealed class Port(char name)
    {
        public char Name { get; } = name;
        public uint Moder, Otyper, Ospeedr, Pupdr, Odr, Afrl, Afrh, Ascr;
        /// LCKR[15:0] as last written, LCKK once the lock sequence completed, and the sequence step reached.
        public uint Lckr;
        public int LockStep;
        public bool[] ExternallyDriven { get; } = new bool[16];
        public bool[] External { get; } = new bool[16];
        /// Resolved pin levels, output-mode pins and pins the chip holds at a level, one bit per pin, as of the last
        /// refresh.
        public uint Levels, Outputs, Held;
    }

    /// RM0351 §8.5: port A and B keep their debug pins (PA13/PA14/PA15, PB3/PB4) in alternate function with pulls.
    private void ResetPort(Port port, bool chipReset)
    {
        (port.Moder, port.Ospeedr, port.Pupdr) = port.Name switch
        {
            'A' => (0xABFF_FFFFu, 0x0C00_0000u, 0x6400_0000u),
            'B' => (0xFFFF_FEBFu, 0u, 0x0000_0100u),
            'H' => (0x0000_000Fu, 0u, 0u),
            _ => (0xFFFF_FFFFu, 0u, 0u),
        };
        port.Otyper = port.Odr = port.Afrl = port.Afrh = port.Ascr = port.Lckr = 0;
        port.LockStep = 0;
        Refresh(port, reportReleases: !chipReset);
    }

    private protected override bool IsInterfaceClocked(uint offset) =>
        !_ports.TryGetValue(PortName(offset), out var port) || _rcc.IsClocked(ClockGate.Gpio(port.Name));

    private protected override uint ReadRegister(uint offset)
    {
        if (!TryPort(offset, "read", out var port)) return 0;
        var register = offset % PortStride;
        switch (register)
        {
            case GPIO_MODER: return port.Moder;
            case GPIO_OTYPER: return port.Otyper;
            case GPIO_OSPEEDR: return port.Ospeedr;
            case GPIO_PUPDR: return port.Pupdr;
            case GPIO_IDR: return InputData(port);
            case GPIO_ODR: return port.Odr;
            case GPIO_BSRR or GPIO_BRR: return 0; // write-only
            case GPIO_LCKR: return ReadLock(port);
            case GPIO_AFRL: return port.Afrl;
            case GPIO_AFRH: return port.Afrh;
            case GPIO_ASCR: return port.Ascr;
            default:
                Unmodelled(offset, "read");
                return 0;
        }
    }

    private protected override void WriteRegister(uint offset, uint value, uint mask)
    {
        if (!TryPort(offset, "write", out var port)) return;
        var register = offset % PortStride;
        var locked = (port.Lckr & GPIO_LCKR_LCKK) != 0 ? port.Lckr & 0xFFFF : 0;
        switch (register)
        {
            case GPIO_MODER: port.Moder = WriteUnlocked(port.Moder, value, mask, TwoBitsPerPin(locked)); break;
            case GPIO_OTYPER: port.Otyper = WriteUnlocked(port.Otyper, value, mask & 0xFFFF, locked); break;
            case GPIO_OSPEEDR: port.Ospeedr = WriteUnlocked(port.Ospeedr, value, mask, TwoBitsPerPin(locked)); break;
            case GPIO_PUPDR: port.Pupdr = WriteUnlocked(port.Pupdr, value, mask, TwoBitsPerPin(locked)); break;
            case GPIO_IDR: break; // read-only
            case GPIO_ODR: port.Odr = Merge(port.Odr, value, mask & 0xFFFF); break;
            case GPIO_BSRR:
                // Set wins over reset when both bits of a pin are written as 1 (RM0351 §8.5.7).
                var bsrr = value & mask;
                port.Odr = (port.Odr & ~(bsrr >> 16)) | (bsrr & 0xFFFF);
                break;
            case GPIO_BRR: port.Odr &= ~(value & mask & 0xFFFF); break;
            case GPIO_LCKR: WriteLock(port, Merge(port.Lckr & ~GPIO_LCKR_LCKK, value, mask)); break;
            case GPIO_AFRL: port.Afrl = WriteUnlocked(port.Afrl, value, mask, FourBitsPerPin(locked & 0xFF)); break;
            case GPIO_AFRH: port.Afrh = WriteUnlocked(port.Afrh, value, mask, FourBitsPerPin(locked >> 8)); break;
            case GPIO_ASCR: port.Ascr = Merge(port.Ascr, value, mask & 0xFFFF); break;
            default: Unmodelled(offset, "write"); return;
        }
        Refresh(port);
    }

    /// Locked configuration bits keep their value until the next reset (RM0351 §8.4.8).
    private static uint WriteUnlocked(uint old, uint value, uint mask, uint lockedBits) => Merge(old, value, mask & ~lockedBits);

    private static uint TwoBitsPerPin(uint pins)
    {
        var bits = 0u;
        for (var pin = 0; pin < 16; pin++)
            if ((pins & (1u << pin)) != 0) bits |= 3u << (2 * pin);
        return bits;
    }

    private static uint FourBitsPerPin(uint pins)
    {
        var bits = 0u;
        for (var pin = 0; pin < 8; pin++)
            if ((pins & (1u << pin)) != 0) bits |= 0xFu << (4 * pin);
        return bits;
    }

    /// RM0351 §8.4.8: write LCKK=1, LCKK=0, LCKK=1 with the same LCK[15:0], then read: the lock is active.
    private static void WriteLock(Port port, uint value)
    {
        if ((port.Lckr & GPIO_LCKR_LCKK) != 0) return; // frozen until reset
        var lckk = (value & GPIO_LCKR_LCKK) != 0;
        var samePins = (value & 0xFFFF) == (port.Lckr & 0xFFFF);
        port.LockStep = (port.LockStep, lckk) switch
        {
            (0, true) => 1,
            (1, false) when samePins => 2,
            (2, true) when samePins => 3,
            (_, true) => 1, // a broken sequence starts over at this write
            _ => 0,
        };
        port.Lckr = value & 0xFFFF;
    }

    private static uint ReadLock(Port port)
    {
        if (port.LockStep == 3)
        {
            port.LockStep = 0;
            port.Lckr |= GPIO_LCKR_LCKK;
        }
        return port.Lckr;
    }

    private uint InputData(Port port)
    {
        var idr = 0u;
        for (var pin = 0; pin < 16; pin++)
            if (Mode(port, pin) != MODE_ANALOG && (port.Levels & (1u << pin)) != 0) idr |= 1u << pin;
        return idr;
    }

    private static uint Mode(Port port, int pin) => (port.Moder >> (2 * pin)) & 3;

    /// The chip gives the pin a level of its own: output drivers, or a pull resistor outside analog mode (analog mode
    /// disconnects the pulls, RM0351 §8.3.12); alternate-function pins count by their pull only.
    private static bool HoldsLevel(Port port, int pin)
    {
        var mode = Mode(port, pin);
        if (mode == MODE_ANALOG) return false;
        if (mode == MODE_OUTPUT && ((port.Otyper & (1u << pin)) == 0 || (port.Odr & (1u << pin)) == 0)) return true;
        return ((port.Pupdr >> (2 * pin)) & 3) is 1 or 2;
    }

    private static bool PinLevel(Port port, int pin)
    {
        if (Mode(port, pin) == MODE_OUTPUT)
        {
            var high = (port.Odr & (1u << pin)) != 0;
            var openDrain = (port.Otyper & (1u << pin)) != 0;
            if (!openDrain || !high) return high;
        }
        if (port.ExternallyDriven[pin]) return port.External[pin];
        // A pull-down and a floating input both read low.
        return ((port.Pupdr >> (2 * pin)) & 3) == PULL_UP;
    }

    /// Recomputes every pin of the port and reports edges of pins that are or were in output mode (a reset that
    /// turns a lit LED's pin back to analog is an edge too), and pins let go (see PinReleased).
    private void Refresh(Port port, bool reportReleases = true)
    {
        uint levels = 0, outputs = 0, held = 0;
        for (var pin = 0; pin < 16; pin++)
        {
            if (PinLevel(port, pin)) levels |= 1u << pin;
            if (Mode(port, pin) == MODE_OUTPUT) outputs |= 1u << pin;
            if (HoldsLevel(port, pin)) held |= 1u << pin;
        }
        var edges = (levels ^ port.Levels) & (outputs | port.Outputs);
        var released = reportReleases ? port.Held & ~held : 0;
        port.Levels = levels;
        port.Outputs = outputs;
        port.Held = held;
        PortChanged?.Invoke(port.Name);
        for (var pin = 0; released != 0 && pin < 16; pin++)
            if ((released & (1u << pin)) != 0) PinReleased?.Invoke(port.Name, pin, Board.Clock.NowPs);
        if (edges == 0 || OutputChanged is null) return;
        for (var pin = 0; pin < 16; pin++)
            if ((edges & (1u << pin)) != 0) OutputChanged(port.Name, pin, (levels & (1u << pin)) != 0, Board.Clock.NowPs);
    }

    private static char PortName(uint offset) => (char)('A' + offset / PortStride);

    private bool TryPort(uint offset, string access, out Port port)
    {
        if (_ports.TryGetValue(PortName(offset), out port!)) return true;
        Board.Fault($"GPIO: {access} of GPIO{PortName(offset)} (address 0x{Base + offset:X8}): the STM32L475VG " +
                    "(LQFP100) has ports A-E and H only.");
        return false;
    }

    private Port PortOf(char port) => _ports.TryGetValue(char.ToUpperInvariant(port), out var state)
        ? state
        : throw new ArgumentOutOfRangeException(nameof(port), port, "The STM32L475VG has GPIO ports A-E and H.");

    private static void CheckPin(int pin)
    {
        if (pin is < 0 or > 15) throw new ArgumentOutOfRangeException(nameof(pin), pin, "GPIO pins are 0..15.");
    }
}
