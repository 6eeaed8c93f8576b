// USART1 on this process's standard input and output.
namespace Stm32Boot.VirtualBoard.Hosting;

public sealed class StdioLink : IUartHostLink
{
    private readonly Stream _out = Console.OpenStandardOutput();
    private readonly ReceiveQueue _in = new();

    public StdioLink()
    {
        var reader = new Thread(() =>
        {
            using var input = Console.OpenStandardInput();
            var buffer = new byte[256];
            int n;
            try { while ((n = input.Read(buffer)) > 0) _in.Add(buffer.AsSpan(0, n)); }
            catch (IOException) { } // standard input closed under us: nothing more to read
        }) { IsBackground = true, Name = "stdin → USART1" };
        reader.Start();
    }

    public string Description => "standard input/output";

    public void Send(byte value)
    {
        _out.WriteByte(value);
        if (value == '\n') _out.Flush();
    }

    public int Receive(Span<byte> buffer)
    {
        _out.Flush();
        return _in.Take(buffer);
    }

    public void Dispose() => _out.Flush();
}
