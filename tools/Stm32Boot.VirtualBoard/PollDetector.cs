// Recognises a firmware loop that polls a peripheral register whose value cannot change before the next scheduled
// event: the same block is reached again with the same peripheral reads, the same registers and the same SRAM.
// Such a loop is a pure function of peripheral state, so skipping virtual time to the next event is exactly what
// spinning would do (up to the phase of one iteration), only without executing the iterations. A loop that counts
// a timeout in a register or in RAM never matches, so a firmware timeout still fires as on silicon.
namespace Stm32Boot.VirtualBoard;

internal sealed class PollDetector
{
    private struct Mark
    {
        public uint Address;
        public ulong ReadSignature;
        public ulong Registers;
        public ulong Ram;
        public bool HasRam;
        public int Failures;
        public int Skip;
    }

    // A few marks, so a loop with reads in more than one block still meets its own mark again.
    private readonly Mark[] _marks = new Mark[4];
    private int _used;
    private int _next;

    public void Forget()
    {
        _used = 0;
        _next = 0;
    }

    /// A block boundary right after peripheral reads (and no peripheral writes). True: the loop is proven to spin.
    public bool Observe(uint address, ulong readSignature, Func<ulong> registers, Func<ulong> ram)
    {
        for (var i = 0; i < _used; i++)
        {
            ref var mark = ref _marks[i];
            if (mark.Address != address || mark.ReadSignature != readSignature) continue;
            var regs = registers();
            if (regs != mark.Registers)
            {
                mark.Registers = regs;
                mark.HasRam = false;
                return false;
            }
            // Hashing SRAM costs microseconds: a loop that keeps failing the memory check is checked less often.
            if (mark.Skip > 0) { mark.Skip--; return false; }
            var memory = ram();
            if (mark.HasRam && memory == mark.Ram) return true;
            if (mark.HasRam)
            {
                mark.Failures++;
                mark.Skip = (1 << Math.Min(mark.Failures, 12)) - 1;
            }
            mark.Ram = memory;
            mark.HasRam = true;
            return false;
        }
        ref var fresh = ref _marks[_next];
        fresh = new Mark { Address = address, ReadSignature = readSignature, Registers = registers() };
        _next = (_next + 1) % _marks.Length;
        _used = Math.Max(_used, _next == 0 ? _marks.Length : _next);
        return false;
    }
}
