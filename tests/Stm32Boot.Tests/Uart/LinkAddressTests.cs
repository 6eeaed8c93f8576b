using Stm32Boot.Uart;
using Xunit;

namespace Stm32Boot.Tests.Uart;

public class LinkAddressTests
{
    [Theory]
    [InlineData("/dev/ttyACM0")]
    [InlineData("/dev/pts/3")]
    [InlineData("COM3")]
    public void A_device_name_is_a_serial_device(string text)
    {
        Assert.True(LinkAddress.TryParse(text, out var address));
        Assert.Equal(new SerialDevice(text), address);
        Assert.Equal(text, address.ToString());
    }

    [Theory]
    [InlineData("tcp:localhost:4444", "localhost", 4444)]
    [InlineData("TCP:127.0.0.1:1", "127.0.0.1", 1)]
    [InlineData("tcp:[::1]:65535", "::1", 65535)]
    public void Tcp_host_port_is_a_tcp_endpoint(string text, string host, int port)
    {
        Assert.True(LinkAddress.TryParse(text, out var address));
        Assert.Equal(new TcpEndpoint(host, port), address);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("/dev/tty ACM0")]
    [InlineData("tcp:localhost")]
    [InlineData("tcp::4444")]
    [InlineData("tcp:localhost:0")]
    [InlineData("tcp:localhost:65536")]
    [InlineData("tcp:localhost:-1")]
    [InlineData("tcp:localhost:http")]
    public void Anything_else_is_refused_with_the_accepted_forms(string text)
    {
        Assert.False(LinkAddress.TryParse(text, out _));
        var error = Assert.Throws<Stm32BootException>(() => LinkAddress.Parse(text, "--port"));
        Assert.Equal($"--port '{text}' is not a serial device (/dev/ttyACM0, COM3) or tcp:HOST:PORT with PORT in 1..65535.", error.Message);
    }
}
