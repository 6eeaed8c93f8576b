// A USB device as USB 2.0 chapter 9 describes it: the Powered, Default, Address and Configured states; the control
// pipe on endpoint 0 with its SETUP, data and status stages (§8.5.3) and protocol stalls; the data toggle and halt
// of every endpoint; and the standard requests (§9.4). A concrete device brings its descriptors, its class requests
// and what its other endpoints do. Endpoints are taken from the configuration descriptor, the one source of truth.
namespace Stm32Boot.VirtualBoard.Usb;

public abstract class UsbDevice : IUsbFunction
{
    // Standard requests (USB 2.0 Table 9-4) and descriptor types (Table 9-5)
    private const byte GET_STATUS = 0, CLEAR_FEATURE = 1, SET_FEATURE = 3, SET_ADDRESS = 5, GET_DESCRIPTOR = 6,
        GET_CONFIGURATION = 8, SET_CONFIGURATION = 9, GET_INTERFACE = 10, SET_INTERFACE = 11;
    private const byte DEVICE = 1, CONFIGURATION = 2, STRING = 3, INTERFACE = 4, ENDPOINT = 5;
    private const ushort ENDPOINT_HALT = 0, DEVICE_REMOTE_WAKEUP = 1;
    private const byte RecipientDevice = 0, RecipientInterface = 1, RecipientEndpoint = 2;

    private enum State { Unpowered, Powered, Default, Address, Configured }

    /// Where the control pipe is in a control transfer (USB 2.0 §8.5.3). No request this device supports has an OUT
    /// data stage (SET_DESCRIPTOR is optional, §9.4.8), so a control write with data is a request error.
    private enum Stage { Idle, DataIn, StatusIn, StatusOut, Stalled }

    private sealed class Endpoint(byte address, byte type, int maxPacket, byte interfaceNumber)
    {
        public byte Address { get; } = address;
        public byte Type { get; } = type;
        public int MaxPacket { get; } = maxPacket;
        public byte InterfaceNumber { get; } = interfaceNumber;
        public bool Halted;
        /// IN: the PID of the next packet sent; OUT: the PID of the next packet expected.
        public UsbDataPid Toggle;
    }

    private readonly byte[] _deviceDescriptor, _configurationDescriptor;
    private readonly byte[][] _strings;
    private readonly Dictionary<byte, Endpoint> _endpoints = new();
    private readonly HashSet<byte> _interfaces = new();
    private State _state;
    private byte _address, _configuration;
    private Stage _stage;
    private UsbSetupPacket _setup;
    private byte[] _controlData = [];
    private int _controlOffset;
    private bool _controlShortEnds;
    private UsbDataPid _controlToggle;
    private Action? _afterStatus;

    protected UsbDevice(byte[] deviceDescriptor, byte[] configurationDescriptor, IReadOnlyList<string> strings)
    {
        _deviceDescriptor = deviceDescriptor;
        _configurationDescriptor = configurationDescriptor;
        // String descriptor 0 lists the supported languages: US English (USB 2.0 §9.6.7).
        _strings = [[4, STRING, 0x09, 0x04], .. strings.Select(UsbDescriptors.String)];
        byte currentInterface = 0;
        for (var i = 0; i < configurationDescriptor.Length; i += configurationDescriptor[i])
        {
            if (configurationDescriptor[i + 1] == INTERFACE)
            {
                currentInterface = configurationDescriptor[i + 2];
                _interfaces.Add(currentInterface);
            }
            else if (configurationDescriptor[i + 1] == ENDPOINT)
            {
                var address = configurationDescriptor[i + 2];
                _endpoints[address] = new Endpoint(address, (byte)(configurationDescriptor[i + 3] & 3),
                    configurationDescriptor[i + 4] | configurationDescriptor[i + 5] << 8, currentInterface);
            }
        }
    }

    public abstract UsbSpeed Speed { get; }

    /// A typical device pulls D+ up some 10 ms after VBUS comes on.
    public virtual ulong ConnectDelayPs => 10 * 1_000_000_000UL;
    public event Action? Unplugged;

    /// The address the device answers to (0 until SET_ADDRESS completes).
    public byte Address => _address;

    /// bConfigurationValue of the active configuration, 0 when not configured.
    public byte Configuration => _configuration;

    private int ControlMaxPacket => _deviceDescriptor[7];

    public void PowerChanged(bool powered, ulong nowPs)
    {
        // A powered device answers nothing until its first bus reset (USB 2.0 §9.1.1.3).
        _state = powered ? State.Powered : State.Unpowered;
        ResetProtocolState();
        OnPowerChanged(powered, nowPs);
    }

    public void BusReset(ulong nowPs)
    {
        if (_state == State.Unpowered) return;
        _state = State.Default;
        ResetProtocolState();
        OnBusReset(nowPs);
    }

    public UsbResponse Setup(byte address, ReadOnlySpan<byte> packet, ulong nowPs)
    {
        if (!Answers(address) || packet.Length != 8) return UsbResponse.None;
        // A SETUP is always acknowledged and ends whatever the control pipe was doing, a stall included (§8.5.3).
        _setup = UsbSetupPacket.Parse(packet);
        _controlData = [];
        _controlOffset = 0;
        _afterStatus = null;
        _controlToggle = UsbDataPid.Data1;
        var reply = !_setup.DeviceToHost && _setup.Length > 0 ? UsbControlReply.Stall() : StandardOrClassRequest(_setup, nowPs);
        if (reply.Kind == UsbControlReply.ReplyKind.Stall) _stage = Stage.Stalled;
        else if (_setup.DeviceToHost && _setup.Length > 0)
        {
            _controlData = reply.Data.Length > _setup.Length ? reply.Data[.._setup.Length] : reply.Data;
            // A reply shorter than wLength ends with a short packet, a zero-length one if need be (§5.5.3).
            _controlShortEnds = _controlData.Length < _setup.Length;
            _stage = Stage.DataIn;
        }
        else
        {
            _afterStatus = reply.AfterStatus;
            _stage = Stage.StatusIn;
        }
        return UsbResponse.Ack;
    }

    public UsbResponse Out(byte address, byte endpoint, UsbDataPid pid, ReadOnlySpan<byte> packet, ulong nowPs)
    {
        if (!Answers(address)) return UsbResponse.None;
        if (endpoint == 0) return ControlOut(packet);
        if (!_endpoints.TryGetValue(endpoint, out var ep) || _state != State.Configured) return UsbResponse.None;
        if (ep.Halted) return UsbResponse.Stall;
        // A repeated packet (our ACK was lost) is acknowledged again and ignored (§8.6.4).
        if (pid != ep.Toggle) return UsbResponse.Ack;
        var response = OnEndpointOut(endpoint, packet, nowPs);
        if (response == UsbResponse.Ack) ep.Toggle = Flip(ep.Toggle);
        return response;
    }

    public UsbInResult In(byte address, byte endpoint, Span<byte> packet, ulong nowPs)
    {
        if (!Answers(address)) return UsbInResult.Handshake(UsbResponse.None);
        if (endpoint == 0) return ControlIn(packet);
        if (!_endpoints.TryGetValue((byte)(endpoint | 0x80), out var ep) || _state != State.Configured)
            return UsbInResult.Handshake(UsbResponse.None);
        if (ep.Halted) return UsbInResult.Handshake(UsbResponse.Stall);
        var result = OnEndpointIn(ep.Address, packet[..ep.MaxPacket], nowPs);
        if (result.Response != UsbResponse.Data) return result;
        // The host acknowledges every packet it receives, so the toggle moves on at once.
        var sent = new UsbInResult(UsbResponse.Data, ep.Toggle, result.Length);
        ep.Toggle = Flip(ep.Toggle);
        return sent;
    }

    /// A class (or vendor) request on the control pipe; the default answers none.
    protected virtual UsbControlReply OnClassRequest(UsbSetupPacket setup, ulong nowPs) => UsbControlReply.Stall();

    /// Data the host sent to a configured OUT endpoint with the expected toggle: ACK, NAK or STALL it. Only
    /// devices with OUT endpoints get here.
    protected virtual UsbResponse OnEndpointOut(byte endpoint, ReadOnlySpan<byte> packet, ulong nowPs) => UsbResponse.Stall;

    /// The host asks a configured IN endpoint (address with bit 7) for a packet of at most packet.Length bytes.
    protected abstract UsbInResult OnEndpointIn(byte endpoint, Span<byte> packet, ulong nowPs);

    protected virtual void OnPowerChanged(bool powered, ulong nowPs) { }
    protected virtual void OnBusReset(ulong nowPs) { }
    protected virtual void OnConfigured() { }

    /// CLEAR_FEATURE(ENDPOINT_HALT) may lift the halt; a device may keep it (BOT's reset recovery).
    protected virtual bool MayClearHalt(byte endpoint) => true;

    /// The device stalls an endpoint itself (a function stall, USB 2.0 §8.4.5).
    protected void Halt(byte endpoint) => _endpoints[endpoint].Halted = true;

    protected bool IsHalted(byte endpoint) => _endpoints[endpoint].Halted;

    /// The device's side of the cable comes out (raised by the device itself: a test knob).
    protected void Unplug() => Unplugged?.Invoke();

    private bool Answers(byte address) => _state >= State.Default && address == _address;

    private void ResetProtocolState()
    {
        _address = 0;
        _configuration = 0;
        _stage = Stage.Idle;
        foreach (var ep in _endpoints.Values)
        {
            ep.Halted = false;
            ep.Toggle = UsbDataPid.Data0;
        }
    }

    private UsbResponse ControlOut(ReadOnlySpan<byte> packet)
    {
        switch (_stage)
        {
            // The status stage of a control read: a zero-length DATA1 packet, possibly before all data was read.
            case Stage.DataIn or Stage.StatusOut when packet.Length == 0:
                _stage = Stage.Idle;
                return UsbResponse.Ack;
            default:
                _stage = Stage.Stalled;
                return UsbResponse.Stall;
        }
    }

    private UsbInResult ControlIn(Span<byte> packet)
    {
        switch (_stage)
        {
            case Stage.DataIn:
                var length = Math.Min(ControlMaxPacket, _controlData.Length - _controlOffset);
                _controlData.AsSpan(_controlOffset, length).CopyTo(packet);
                _controlOffset += length;
                if (_controlOffset == _controlData.Length && (length < ControlMaxPacket || !_controlShortEnds))
                    _stage = Stage.StatusOut;
                var sent = new UsbInResult(UsbResponse.Data, _controlToggle, length);
                _controlToggle = Flip(_controlToggle);
                return sent;
            case Stage.StatusIn:
                _stage = Stage.Idle;
                _afterStatus?.Invoke();
                return new UsbInResult(UsbResponse.Data, UsbDataPid.Data1, 0);
            default:
                _stage = Stage.Stalled;
                return UsbInResult.Handshake(UsbResponse.Stall);
        }
    }

    private UsbControlReply StandardOrClassRequest(UsbSetupPacket setup, ulong nowPs) =>
        setup.Type switch
        {
            UsbSetupPacket.RequestType.Standard => StandardRequest(setup),
            _ => _state == State.Configured ? OnClassRequest(setup, nowPs) : UsbControlReply.Stall(),
        };

    /// USB 2.0 §9.4; anything the device does not support is a request error: STALL.
    private UsbControlReply StandardRequest(UsbSetupPacket setup)
    {
        var value = setup.Value;
        switch (setup.Request)
        {
            case GET_STATUS when setup.DeviceToHost && setup.Length == 2:
                return Recipient(setup) switch
                {
                    RecipientDevice => UsbControlReply.In([0, 0]), // bus-powered, no remote wakeup
                    RecipientInterface when _state == State.Configured && _interfaces.Contains((byte)setup.Index) => UsbControlReply.In([0, 0]),
                    RecipientEndpoint when EndpointFor(setup.Index) is { } ep => UsbControlReply.In([(byte)(ep.Halted ? 1 : 0), 0]),
                    RecipientEndpoint when (setup.Index & 0x7F) == 0 => UsbControlReply.In([0, 0]),
                    _ => UsbControlReply.Stall(),
                };
            case CLEAR_FEATURE or SET_FEATURE when !setup.DeviceToHost:
                var set = setup.Request == SET_FEATURE;
                if (Recipient(setup) == RecipientEndpoint && value == ENDPOINT_HALT)
                {
                    if ((setup.Index & 0x7F) == 0) return set ? UsbControlReply.Stall() : UsbControlReply.Ok();
                    if (EndpointFor(setup.Index) is not { } ep) return UsbControlReply.Stall();
                    if (set) ep.Halted = true;
                    else if (MayClearHalt(ep.Address))
                    {
                        // Clearing a halt also resets the endpoint's toggle to DATA0 (§9.4.5).
                        ep.Halted = false;
                        ep.Toggle = UsbDataPid.Data0;
                    }
                    return UsbControlReply.Ok();
                }
                return Recipient(setup) == RecipientDevice && value == DEVICE_REMOTE_WAKEUP ? UsbControlReply.Ok() : UsbControlReply.Stall();
            case SET_ADDRESS when !setup.DeviceToHost && value <= 127 && setup.Length == 0 && _state != State.Configured:
                // The new address applies once the status stage is done (§9.4.6).
                return UsbControlReply.Ok(() =>
                {
                    _address = (byte)value;
                    _state = value == 0 ? State.Default : State.Address;
                });
            case GET_DESCRIPTOR when setup.DeviceToHost:
                var index = value & 0xFF;
                return (value >> 8) switch
                {
                    DEVICE when index == 0 => UsbControlReply.In(_deviceDescriptor),
                    CONFIGURATION when index == 0 => UsbControlReply.In(_configurationDescriptor),
                    STRING when index < _strings.Length => UsbControlReply.In(_strings[index]),
                    // Device qualifier and other-speed descriptors: a full-speed-only device answers STALL (§9.6.2).
                    _ => UsbControlReply.Stall(),
                };
            case GET_CONFIGURATION when setup.DeviceToHost && _state >= State.Address:
                return UsbControlReply.In([_configuration]);
            case SET_CONFIGURATION when !setup.DeviceToHost && _state >= State.Address:
                if (value != 0 && value != _configurationDescriptor[5]) return UsbControlReply.Stall();
                return UsbControlReply.Ok(() => Configure((byte)value));
            case GET_INTERFACE when setup.DeviceToHost && _state == State.Configured && _interfaces.Contains((byte)setup.Index):
                return UsbControlReply.In([0]);
            case SET_INTERFACE when !setup.DeviceToHost && _state == State.Configured && value == 0 && _interfaces.Contains((byte)setup.Index):
                return UsbControlReply.Ok(() => ResetInterfaceEndpoints((byte)setup.Index));
            default:
                return UsbControlReply.Stall();
        }
    }

    /// SET_CONFIGURATION: every endpoint of the configuration starts with DATA0 and no halt (§9.1.1.5, §9.4.5).
    private void Configure(byte value)
    {
        _configuration = value;
        _state = value == 0 ? State.Address : State.Configured;
        foreach (var ep in _endpoints.Values)
        {
            ep.Halted = false;
            ep.Toggle = UsbDataPid.Data0;
        }
        if (value != 0) OnConfigured();
    }

    private void ResetInterfaceEndpoints(byte interfaceNumber)
    {
        foreach (var ep in _endpoints.Values.Where(e => e.InterfaceNumber == interfaceNumber))
        {
            ep.Halted = false;
            ep.Toggle = UsbDataPid.Data0;
        }
    }

    private Endpoint? EndpointFor(ushort index) =>
        _state == State.Configured && _endpoints.TryGetValue((byte)index, out var ep) ? ep : null;

    private static int Recipient(UsbSetupPacket setup) => setup.RequestTypeByte & 0x1F;

    private static UsbDataPid Flip(UsbDataPid pid) => pid == UsbDataPid.Data0 ? UsbDataPid.Data1 : UsbDataPid.Data0;
}
