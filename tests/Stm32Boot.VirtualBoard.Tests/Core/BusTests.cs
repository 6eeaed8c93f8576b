using Xunit;

namespace Stm32Boot.VirtualBoard.Tests.Core;

public sealed class BusTests
{
    private const ulong Millisecond = 1_000_000_000;

    /// Records CPU stores into flash and programs them like a flash controller with PG set would (AND into cells).
    private sealed class RecordingFlash(IBoard board) : IPeripheral, IFlashBus
    {
        public List<(uint Address, int Size, uint Value, byte[] ArrayBefore)> Writes { get; } = new();
        public string Name => "FLASH (test)";
        public uint Base => 0x4002_2000;
        public uint Size => 0x400;
        public uint Read(uint offset, int size) { board.Fault("unexpected FLASH register read"); return 0; }
        public void Write(uint offset, int size, uint value) => board.Fault("unexpected FLASH register write");
        public void Reset(ResetKind kind) { }

        public List<(uint Address, int Size)> Reads { get; } = new();

        public void ReadArray(uint address, int size) => Reads.Add((address, size));

        public uint ReadOtp(uint address, int size) { board.Fault("unexpected OTP read"); return 0; }

        public void WriteArray(uint address, int size, uint value)
        {
            var at = (int)(address - 0x0800_0000);
            Writes.Add((address, size, value, board.Flash.AsSpan(at & ~7, 8).ToArray())); // the double word around it
            if (address >= 0x0808_0000) return; // the test's "locked" region: the array keeps its content
            for (var i = 0; i < size; i++) board.Flash[at + i] &= (byte)(value >> (8 * i));
        }
    }

    [Fact]
    public void CPU_stores_into_flash_reach_the_flash_model_and_only_its_result_stays_in_the_array()
    {
        var fw = TestFirmware.Build("""
            int main(void)
            {
                volatile uint32_t *ok = (volatile uint32_t *)0x08040000, *locked = (volatile uint32_t *)0x08080000;
                ok[0] = 0x11223344; ok[1] = 0x55667788;     // two stores in one block
                locked[0] = 0xAABBCCDD;
                *(volatile uint8_t *)0x00040010 = 0x0F;     // through the boot alias at 0
                RESULT[1] = ok[0]; RESULT[2] = ok[1]; RESULT[3] = locked[0];
                RESULT[0] = 0xD0DE;
                return 0;
            }
            """);
        using var m = new Machine();
        var flash = new RecordingFlash(m);
        m.Attach(flash);
        m.LoadFlash(Machine.FlashBase, fw.Image);
        m.PowerOn();
        m.RunFor(10 * Millisecond, () => m.ReadWord(TestFirmware.ResultsBase) == 0xD0DE);

        Assert.Equal([(0x0804_0000u, 4, 0x1122_3344u), (0x0804_0004u, 4, 0x5566_7788u), (0x0808_0000u, 4, 0xAABB_CCDDu), (0x0804_0010u, 1, 0x0Fu)],
            flash.Writes.Select(w => (w.Address, w.Size, w.Value)));
        // The model saw the array without the raw bytes of the previous store (still erased at +4).
        Assert.Equal(new byte[] { 0x44, 0x33, 0x22, 0x11, 0xFF, 0xFF, 0xFF, 0xFF }, flash.Writes[1].ArrayBefore);
        Assert.Equal(0x1122_3344u, m.ReadWord(TestFirmware.ResultsBase + 4));
        Assert.Equal(0x5566_7788u, m.ReadWord(TestFirmware.ResultsBase + 8));
        Assert.Equal(0xFFFF_FFFFu, m.ReadWord(0x0808_0000));
        Assert.Equal(0xFFFF_FF0Fu, m.ReadWord(0x0804_0010));
    }

    [Fact]
    public void Reads_of_a_checked_flash_range_reach_the_flash_model_on_both_aliases_until_it_is_unchecked()
    {
        var fw = TestFirmware.Build("""
            int main(void)
            {
                volatile uint32_t *checked = (volatile uint32_t *)0x08040800;
                RESULT[1] = checked[0];
                RESULT[2] = *(volatile uint32_t *)0x00040804;              // the boot alias of the same page
                RESULT[3] = *(volatile uint16_t *)0x08040FFE;              // its last halfword
                RESULT[4] = *(volatile uint32_t *)0x08041000;              // the next page: not checked
                checked[2] = 0x0F0F0F0Fu;                                  // stores still reach the model
                RESULT[5] = checked[2];
                RESULT[0] = 0xD0DE;
                while (RESULT[6] == 0) {}                                  // the host unchecks the page
                RESULT[7] = checked[0];
                RESULT[0] = 0xD1DE;
                return 0;
            }
            """);
        using var m = new Machine();
        var flash = new RecordingFlash(m);
        m.Attach(flash);
        m.LoadFlash(Machine.FlashBase, fw.Image);
        m.LoadFlash(0x0804_0800, [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
        m.LoadFlash(0x0804_0FFE, [0xAB, 0xCD, 0x01, 0x02, 0x03, 0x04]);
        m.CheckFlashReads(0x0804_0800, 0x800, true);
        m.PowerOn();

        m.RunFor(10 * Millisecond, () => m.ReadWord(TestFirmware.ResultsBase) == 0xD0DE);

        Assert.Equal([0x4433_2211u, 0x8877_6655u, 0xCDABu, 0x0403_0201u, 0x0F0F_0F0Fu],
            Enumerable.Range(1, 5).Select(i => m.ReadWord(TestFirmware.ResultsBase + 4u * (uint)i)));
        Assert.Equal([(0x0804_0800u, 4), (0x0804_0804u, 4), (0x0804_0FFEu, 2), (0x0804_0808u, 4)], flash.Reads);
        Assert.Equal((0x0804_0808u, 4, 0x0F0F_0F0Fu), flash.Writes.Select(w => (w.Address, w.Size, w.Value)).Single());

        m.CheckFlashReads(0x0804_0800, 0x800, false);
        m.WriteSram(TestFirmware.ResultsBase + 24, BitConverter.GetBytes(1u));
        m.RunFor(10 * Millisecond, () => m.ReadWord(TestFirmware.ResultsBase) == 0xD1DE);

        Assert.Equal(0x4433_2211u, m.ReadWord(TestFirmware.ResultsBase + 28));
        Assert.Equal(4, flash.Reads.Count);
        var odd = Assert.Throws<ArgumentOutOfRangeException>(() => m.CheckFlashReads(0x0804_0100, 0x800, true));
        Assert.Contains("whole 1024-byte pages", odd.Message);
    }

    [Fact]
    public void A_flash_store_without_a_flash_model_is_a_fault()
    {
        var fw = TestFirmware.Build("""
            int main(void) { *(volatile uint32_t *)0x08040000 = 0; return 0; }
            """);
        using var m = fw.Boot();
        var fault = Assert.Throws<BoardFaultException>(() => m.RunFor(Millisecond));
        Assert.Contains("no flash controller model is attached", fault.Fault);
    }

    [Fact]
    public void A_breakpoint_stops_before_the_instruction_and_the_run_continues_from_there()
    {
        var fw = TestFirmware.Build("""
            __attribute__((noinline)) void marker(uint32_t v) { RESULT[2] = v; }
            int main(void)
            {
                SYST_RVR = 999; SYST_CVR = 0; SYST_CSR = 5;
                __asm volatile("cpsid i");
                RESULT[1] = 0xAA;
                marker(0x1234);
                RESULT[0] = 0xD0DE;
                return 0;
            }
            """);
        using var m = fw.Boot();
        m.AddBreakpoint(fw.Symbol("marker"));

        var hit = m.RunFor(10 * Millisecond);
        Assert.Equal(StopReason.Breakpoint, hit.Reason);
        Assert.Equal(fw.Symbol("marker") & ~1u, hit.BreakpointAddress);
        var cpu = m.ReadCpu();
        Assert.Equal(fw.Symbol("marker") & ~1u, cpu.Pc);
        Assert.Equal(0x1234u, cpu.R[0]);
        Assert.True(cpu.Primask);
        Assert.Equal(5u, cpu.SysTickCtrl & 7);
        Assert.Equal(999u, cpu.SysTickLoad);
        Assert.Equal(0xAAu, m.ReadWord(TestFirmware.ResultsBase + 4));
        Assert.Equal(0u, m.ReadWord(TestFirmware.ResultsBase + 8));

        var done = m.RunFor(10 * Millisecond, () => m.ReadWord(TestFirmware.ResultsBase) == 0xD0DE);
        Assert.Equal(StopReason.Condition, done.Reason);
        Assert.Equal(0x1234u, m.ReadWord(TestFirmware.ResultsBase + 8));
    }

    [Fact]
    public void A_bus_master_reaches_SRAM_flash_and_peripheral_registers_but_not_the_core_private_bus()
    {
        using var m = new Machine();
        var flash = new RecordingFlash(m);
        m.Attach(flash);
        m.LoadFlash(Machine.FlashBase, [0x78, 0x56, 0x34, 0x12]);
        m.PowerOn();

        Assert.True(m.TryBusMasterWrite(0x2000_1000, 2, 0xBEEF));
        Assert.True(m.TryBusMasterWrite(Machine.Sram2Alias + 4, 1, 0x5A)); // SRAM2 through its alias
        Assert.Equal(new byte[] { 0xEF, 0xBE }, m.ReadMemory(0x2000_1000, 2));
        Assert.Equal(0x5Au, m.ReadMemory(Machine.Sram2Base + 4, 1)[0]);
        Assert.True(m.TryBusMasterRead(Machine.FlashBase, 4, out var word));
        Assert.Equal(0x1234_5678u, word);
        Assert.False(m.TryBusMasterRead(0xE000_E010, 4, out _));   // SysTick: the core's own bus
        Assert.False(m.TryBusMasterWrite(0x3000_0000, 4, 0));      // nothing there
        Assert.False(m.TryBusMasterWrite(Machine.FlashBase, 4, 0)); // flash is programmed by the CPU only here
        Assert.Contains("programming flash by DMA", Assert.Throws<BoardFaultException>(() => m.RunFor(Millisecond)).Message);
    }
}
