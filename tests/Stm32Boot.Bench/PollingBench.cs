// What skipping polling loops saves: a firmware that waits 1 s of virtual time for a status flag, run with
// fast-forward and with every polling iteration executed.
using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Rendering;
using Stm32Boot.VirtualBoard;
using Stm32Boot.VirtualBoard.Tests.Core;

namespace Stm32Boot.Bench;

internal static class PollingBench
{
    private static readonly TestFirmware Firmware = TestFirmware.Build("""
        int main(void)
        {
            for (int i = 0; i < 10; i++)
            {
                REG(0x40000000) = 1;                 // STATUS reads 1 again 100 ms later
                while (REG(0x40000004) == 0) {}
            }
            RESULT[0] = 0xD0DE;
            return 0;
        }
        """);

    public static IRenderable Run()
    {
        var fast = Measure(true);
        var spin = Measure(false);
        var table = new Table().Title("polling fast-forward: 10 waits of 100 ms on a status flag")
            .AddColumn("mode").AddColumn(new TableColumn("virtual s").RightAligned())
            .AddColumn(new TableColumn("instructions").RightAligned()).AddColumn(new TableColumn("wall s").RightAligned());
        table.AddRow("fast-forward", $"{fast.VirtualS:F6}", $"{fast.Instructions:N0}", $"{fast.Wall:F3}");
        table.AddRow("spinning", $"{spin.VirtualS:F6}", $"{spin.Instructions:N0}", $"{spin.Wall:F3}");
        table.AddRow("[bold]speed-up[/]", "", "", $"[bold]{spin.Wall / fast.Wall:F0}×[/]");
        return table;
    }

    private static (double VirtualS, ulong Instructions, double Wall) Measure(bool fastForward)
    {
        using var machine = new Machine { PollFastForward = fastForward };
        machine.Attach(new DelayPeripheral(machine, 100 * Board.Millisecond));
        machine.LoadFlash(Machine.FlashBase, Firmware.Image);
        machine.PowerOn();
        machine.Clock.SysclkHz = 80_000_000; // the bootloader's clock: what spinning costs there
        var wall = Stopwatch.StartNew();
        var result = machine.RunFor(2 * Board.Second, () => machine.ReadWord(TestFirmware.ResultsBase) == 0xD0DE);
        wall.Stop();
        if (result.Reason != StopReason.Condition) throw new InvalidOperationException("the polling firmware did not finish within 2 s of virtual time");
        return (result.AtPs / (double)Board.Second, machine.Instructions, wall.Elapsed.TotalSeconds);
    }
}
