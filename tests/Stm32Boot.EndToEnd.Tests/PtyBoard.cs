using CliWrap;
using CliWrap.Buffered;
using Stm32Boot.VirtualBoard;
using Stm32Boot.VirtualBoard.Hosting;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// A board whose USART1 is a pseudo-terminal, for host programs that run as their own process (Debian's
/// stm32flash, the stm32boot CLI). While such a program runs, the board runs on a background thread paced by the
/// wall clock (InteractiveSession), so the program's own timeouts hold; in between, the test owns the board and
/// runs it in virtual time as usual. A pty has no baud rate: the virtual line runs at the rate given here.
/// </summary>
public sealed class PtyBoard : IDisposable
{
    /// <summary>Any one run of a host program; far above what the small images here need.</summary>
    private static readonly TimeSpan ProgramLimit = TimeSpan.FromMinutes(2);

    private readonly PtyLink _link;
    private readonly InteractiveSession _session;
    private readonly bool _ownsBoard;

    private PtyBoard(Board board, int baud, bool ownsBoard = true)
    {
        Board = board;
        _ownsBoard = ownsBoard;
        board.Peripherals.Console.HostBaudRate = baud;
        _link = new PtyLink();
        _session = new InteractiveSession(board, _link);
        Baud = baud;
    }

    public Board Board { get; }
    public int Baud { get; }
    /// <summary>The pty's device path, e.g. /dev/pts/3.</summary>
    public string Port => _link.Path;

    /// <summary>The board programmed with <paramref name="factory"/>, in update mode by B1 held at power-on (the
    /// application in flash stays valid); the host attaches after the bootloader said "stay:", so the pty holds
    /// nothing from before.</summary>
    public static PtyBoard InUpdateMode(MemoryImage factory, int baud)
    {
        var board = VirtualBoards.With(factory);
        try
        {
            board.PressButton();
            var verdict = board.PowerOnAndReadVerdict();
            board.ReleaseButton();
            Assert.Equal(UpdateSession.ButtonHeld, verdict);
            return new PtyBoard(board, baud);
        }
        catch
        {
            board.Dispose();
            throw;
        }
    }

    /// <summary>The board programmed with <paramref name="factory"/>, powered on, with the pty attached from the start.</summary>
    public static PtyBoard PoweredOn(MemoryImage factory, int baud)
    {
        var ptyBoard = new PtyBoard(VirtualBoards.With(factory), baud);
        ptyBoard.Board.PowerOn();
        return ptyBoard;
    }

    /// <summary>A pty onto a board the caller owns and goes on using (Dispose leaves the board alone): the pty carries
    /// what USART1 sends from now on.</summary>
    public static PtyBoard Attach(Board board, int baud) => new(board, baud, ownsBoard: false);

    /// <summary>stm32flash at the board's baud rate with 8N1 framing (a pty cannot carry parity), the pty last.</summary>
    public Task<BufferedCommandResult> Stm32flash(params string[] arguments) =>
        Run("stm32flash", ["-m", "8n1", "-b", Baud.ToString(System.Globalization.CultureInfo.InvariantCulture), .. arguments, Port]);

    /// <summary>Runs a program against the pty while the board runs in paced virtual time; a board fault fails the run.</summary>
    public async Task<BufferedCommandResult> Run(string program, IEnumerable<string> arguments)
    {
        using var stop = new CancellationTokenSource();
        var board = Task.Run(() => _session.Run(null, stop.Token));
        try
        {
            using var limit = new CancellationTokenSource(ProgramLimit);
            try
            {
                return await Cli.Wrap(program).WithArguments(arguments).WithValidation(CommandResultValidation.None)
                    .ExecuteBufferedAsync(limit.Token);
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException($"'{program}' could not be started ({e.Message}); install it (Debian: apt-get install stm32flash).", e);
            }
            catch (OperationCanceledException) when (limit.IsCancellationRequested)
            {
                throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {ProgramLimit.TotalMinutes} minutes. USART1:\n{Board.Uart}");
            }
        }
        finally
        {
            stop.Cancel();
            await board;
        }
    }

    public void Dispose()
    {
        _link.Dispose();
        if (_ownsBoard) Board.Dispose();
    }
}
