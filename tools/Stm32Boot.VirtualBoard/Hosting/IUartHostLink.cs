// Where USART1 of an interactive virtual board is connected on the host: the terminal, a pseudo-terminal (for
// stm32flash or a terminal program) or a TCP port.
namespace Stm32Boot.VirtualBoard.Hosting;

public interface IUartHostLink : IDisposable
{
    /// Where to connect, for the user ("pty /dev/pts/4", "tcp 127.0.0.1:4444").
    string Description { get; }
    /// A byte the board sent.
    void Send(byte value);
    /// Bytes the host sent since the last call (never blocks); 0 when there are none.
    int Receive(Span<byte> buffer);
    /// Raised on the link's own thread when host bytes arrived: a session that sleeps while the board waits wakes on
    /// it, so the bytes reach the board at once.
    event Action? Received;
}
