// Emulated instructions per wall-clock second on a CPU-bound loop: a bitwise CRC-32 over 32 KB of flash, against the
// 300 M instructions/s the emulator must keep (issue 13: idle waiting may not cost CPU-bound speed).
using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Rendering;
using Stm32Boot.VirtualBoard;
using Stm32Boot.VirtualBoard.Tests.Core;

namespace Stm32Boot.Bench;

internal static class SpeedBench
{
    private const double LimitMips = 300;

    private static readonly TestFirmware Firmware = TestFirmware.Build("""
        static uint32_t crc32(const uint8_t *p, uint32_t n)
        {
            uint32_t crc = 0xFFFFFFFFu;
            while (n--)
            {
                crc ^= *p++;
                for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1u));
            }
            return ~crc;
        }
        int main(void)
        {
            for (uint32_t round = 0;; round++) { RESULT[1] = crc32((const uint8_t *)0x08000000, 32768); RESULT[2] = round; }
        }
        """);

    public static IRenderable Run()
    {
        var table = new Table().Title("emulation speed: CRC-32 loop (bitwise, 32 KB per round)")
            .AddColumn("run").AddColumn(new TableColumn("instructions").RightAligned())
            .AddColumn(new TableColumn("wall s").RightAligned()).AddColumn(new TableColumn("M instr/s").RightAligned())
            .AddColumn(new TableColumn("limit M instr/s").RightAligned()).AddColumn(new TableColumn("ratio").RightAligned()).AddColumn("within");
        for (var run = 1; run <= 3; run++)
        {
            using var machine = new Machine();
            machine.LoadFlash(Machine.FlashBase, Firmware.Image);
            machine.PowerOn();
            machine.Clock.SysclkHz = 80_000_000; // as after the bootloader's PLL set-up: 100 M instructions in 1.25 s
            var wall = Stopwatch.StartNew();
            machine.RunFor(1_250 * Board.Millisecond);
            wall.Stop();
            var mips = machine.Instructions / wall.Elapsed.TotalSeconds / 1e6;
            table.AddRow($"{run}", $"{machine.Instructions:N0}", $"{wall.Elapsed.TotalSeconds:F3}", $"{mips:F0}", $"≥ {LimitMips:F0}",
                $"{mips / LimitMips:F2}", mips >= LimitMips ? "[green]yes[/]" : "[red]NO[/]");
        }
        return table;
    }
}
