using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;
using Xunit;

namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// `stm32boot emulate --gdb` debugged by Debian's gdb-multiarch, a client the stub's authors did not write: the
/// README's recipe, from the boot decision through the jump into the application. In the wall-clock collection:
/// GDB gives every packet 2 s of wall-clock time (`set remote timeout`), which a machine busy with campaigns could eat.
/// </summary>
[Collection(WallClockCollection.Name)]
public sealed class GdbTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Gdb_breaks_at_boot_jump_and_steps_into_the_application()
    {
        var image = Shipped.Factory();
        var vectorTable = Shipped.Map.Image.Base;
        var initialSp = Word(image.Read(vectorTable, 4, 0xFF));
        var resetHandler = Word(image.Read(vectorTable + 4, 4, 0xFF)) & ~1u;
        var port = FreePort();
        using var limit = new CancellationTokenSource(Limit);
        var stderr = new StringBuilder();
        var waiting = new TaskCompletionSource();
        var emulate = Cli.Wrap("dotnet")
            .WithArguments([FlashCommandTests.Stm32bootDll, "emulate", Shipped.File("factory.hex"), "--gdb", port.ToString(CultureInfo.InvariantCulture)])
            .WithStandardInputPipe(PipeSource.Null)
            .WithStandardErrorPipe(PipeTarget.ToDelegate(line =>
            {
                lock (stderr) stderr.AppendLine(line);
                if (line.Contains("waiting for a debugger", StringComparison.Ordinal)) waiting.TrySetResult();
            }))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(limit.Token);
        await Task.WhenAny(waiting.Task, emulate.Task);
        Assert.True(waiting.Task.IsCompleted, $"emulate --gdb did not start its stub:\n{stderr}");

        BufferedCommandResult gdb;
        try
        {
            gdb = await Cli.Wrap("gdb-multiarch").WithArguments([
                    "-nx", "-batch",
                    "-ex", $"target remote :{port}",
                    "-ex", "break boot_jump",
                    "-ex", "continue",
                    "-ex", $"add-symbol-file {Shipped.File("application.elf")}",
                    "-ex", "break Reset_Handler",
                    "-ex", "continue",
                    "-ex", "printf \"MSP=%#x\\n\", $msp",
                    "-ex", "printf \"PC=%#x\\n\", $pc",
                    "-ex", "x/wx 0xE000ED08",
                    "-ex", "stepi",
                    "-ex", "printf \"PC after stepi=%#x\\n\", $pc",
                    "-ex", "kill",
                    Shipped.File("bootloader.elf")])
                .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(limit.Token);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"gdb-multiarch could not be started ({e.Message}): install the Debian package gdb-multiarch " +
                                                "(./build.sh --target=Doctor does, as root).", e);
        }
        var run = await emulate;
        var output = gdb.StandardOutput + gdb.StandardError;
        var context = $"gdb:\n{output}\nemulate's stderr:\n{stderr}";

        Assert.True(gdb.ExitCode == 0, context);
        Assert.Matches(@"Breakpoint 1, boot_jump \(vector_table=" + vectorTable + @"\) at .*boot_jump\.c", output);
        // Reset_Handler is in both ELFs; the bootloader's ran long ago, the application's is where the jump lands.
        Assert.Matches(@"Breakpoint 2\.\d, Reset_Handler \(\) at .*startup\.c", output);
        Assert.Contains($"MSP=0x{initialSp:x}", output);
        Assert.Contains($"PC=0x{resetHandler:x}", output);
        Assert.Matches($@"0xe000ed08:\s+0x{vectorTable:x8}", output);
        var after = Regex.Match(output, "PC after stepi=0x([0-9a-f]+)");
        Assert.True(after.Success, context);
        Assert.InRange(uint.Parse(after.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture) - resetHandler, 2u, 4u);
        // kill ends the emulate run cleanly; the boot decision's banner went out on USART1 (stdout) before the jump.
        Assert.True(run.ExitCode == 0, context);
        Assert.Contains($"boot: application {Shipped.Settings.Version} -> 0x{vectorTable:X8}", run.StandardOutput);
        Assert.Contains("gdb: killed by the debugger", stderr.ToString());
    }

    [Fact]
    public async Task A_busy_gdb_port_is_one_line_and_exit_1()
    {
        var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            var port = ((IPEndPoint)taken.LocalEndpoint).Port;
            var run = await Cli.Wrap("dotnet")
                .WithArguments([FlashCommandTests.Stm32bootDll, "emulate", Shipped.File("factory.hex"), "--gdb", port.ToString(CultureInfo.InvariantCulture)])
                .WithStandardInputPipe(PipeSource.Null).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
            Assert.Equal(1, run.ExitCode);
            Assert.Contains($"--gdb {port}: cannot listen on 127.0.0.1:{port}", run.StandardError);
            Assert.DoesNotContain("   at ", run.StandardError);
        }
        finally
        {
            taken.Stop();
        }
    }

    private static uint Word(byte[] bytes) => BinaryPrimitives.ReadUInt32LittleEndian(bytes);

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
