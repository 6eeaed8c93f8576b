using Stm32Boot.Uart;
using Stm32Boot.VirtualBoard;
using Stm32Boot.VirtualBoard.Hosting;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// A board whose bootloader serves the AN3155 protocol, and the host's end of its USART1 as an in-process
/// <see cref="VirtualUartStream"/>: everything runs in virtual time on the test's thread.
/// </summary>
public sealed class UpdateSession : IDisposable
{
    public const string ButtonHeld = "stay: button held";

    private UpdateSession(Board board, int baud, BuildOutput build)
    {
        Board = board;
        Build = build;
        Link = new VirtualUartStream(board, baud);
    }

    public Board Board { get; }
    /// <summary>The build whose bootloader the board runs: its memory map and board id address the updates.</summary>
    public BuildOutput Build { get; }
    public VirtualUartStream Link { get; }

    /// <summary>The board programmed with <paramref name="factory"/>, held in update mode by B1 at power-on (the
    /// application in flash stays valid), the button released once the bootloader said so.</summary>
    public static UpdateSession Start(MemoryImage factory, int baud, BuildOutput? build = null)
    {
        var board = VirtualBoards.With(factory);
        try
        {
            board.PressButton();
            var verdict = board.PowerOnAndReadVerdict();
            board.ReleaseButton();
            Assert.Equal(ButtonHeld, verdict);
            return new UpdateSession(board, baud, build ?? Shipped.Build);
        }
        catch
        {
            board.Dispose();
            throw;
        }
    }

    /// <summary>Around an existing board: the host attaches to the line as it is now.</summary>
    public static UpdateSession Attach(Board board, int baud, BuildOutput? build = null) => new(board, baud, build ?? Shipped.Build);

    /// <summary>An AN3155 client on the link; retries 0 makes any lost step fail at once (power-cut runs).</summary>
    public An3155Client Client(int retries = 3) => new(Link) { Retries = retries };

    /// <summary>What `stm32boot flash IMAGE [--verify] [--go]` does once the link is open.</summary>
    public FlashReport Flash(MemoryImage image, bool verify = true, bool go = true, int retries = 3) =>
        UartFlasher.Flash(Client(retries), FlashPlan.Create(image, Build.Map, "update image"),
            new FlashOptions((ushort)(Build.Settings.BoardId >> 16), verify, go));

    /// <summary>Sends raw protocol bytes and returns exactly <paramref name="replyLength"/> bytes of answer; fails
    /// when they do not all come within <paramref name="timeoutMs"/> of virtual time.</summary>
    public byte[] Exchange(ReadOnlySpan<byte> send, int replyLength, int timeoutMs = 1000)
    {
        Link.Write(send);
        var reply = new byte[replyLength];
        Link.ReadTimeout = timeoutMs;
        for (var got = 0; got < replyLength;)
        {
            try
            {
                got += Link.Read(reply.AsSpan(got));
            }
            catch (TimeoutException)
            {
                Assert.Fail($"sent {Convert.ToHexString(send)}: {got} of {replyLength} reply bytes ({Convert.ToHexString(reply, 0, got)}) within {timeoutMs} ms");
            }
        }
        return reply;
    }

    public void Dispose()
    {
        Link.Dispose();
        Board.Dispose();
    }
}
