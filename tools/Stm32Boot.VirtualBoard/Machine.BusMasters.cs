// The bus as others than the CPU's instruction stream see it: the flash stall (a bank being programmed or erased
// cannot be read, so code fetched from it waits, RM0351 §3.3) and the DMA controllers' accesses to SRAM and
// peripheral registers.
//
// The stall is modelled for instruction fetches and vector fetches: when the operation starts, or whenever the core
// reaches a block in the busy bank later, it stops executing and takes no exception until the flash model reports
// the end of the operation; virtual time runs on meanwhile, so timers count, USART frames arrive and DMA transfers
// go on. A data load from the busy bank by code running elsewhere (SRAM, the other bank) is not stalled: no firmware
// here does that, and catching it would cost a memory hook on every load of the machine.
using System.Buffers.Binary;
using Stm32Boot.VirtualBoard.Unicorn;

namespace Stm32Boot.VirtualBoard;

public sealed unsafe partial class Machine
{
    /// Flash offsets [Start, End) of the bank range an operation is busy in.
    private (uint Start, uint End)? _flashStall;

    public void StallFlashReads(uint address, uint length, bool stalled)
    {
        var offset = address >= FlashBase ? address - FlashBase : address;
        if (offset >= FlashSize || length == 0 || length > FlashSize - offset)
            throw new ArgumentOutOfRangeException(nameof(address), $"0x{address:X8}+0x{length:X} is not a flash range.");
        if (stalled)
        {
            _flashStall = (offset, offset + length);
            _state->FlashStall = 1;
            // Reached from inside a store (FLASH_CR.STRT, the second word of a double word): the core stops at the
            // next block boundary, as silicon stops at its next fetch from the bank.
            RequestStop();
        }
        else
        {
            _flashStall = null;
            _state->FlashStall = 0;
        }
        Trace?.Invoke($"{Stamp()} flash 0x{FlashBase + offset:X8}-0x{FlashBase + offset + length - 1:X8} {(stalled ? "busy: reads from it stall" : "ready")}");
    }

    /// The instruction at address cannot be fetched now.
    private bool FetchStalls(uint address)
    {
        if (_flashStall is not { } stall) return false;
        uint offset;
        if (address < FlashSize) offset = address;
        else if (address - FlashBase < FlashSize) offset = address - FlashBase;
        else return false;
        return offset >= stall.Start && offset < stall.End;
    }

    /// The core waits for the flash: at an instruction in the busy bank, or with an exception due whose vector
    /// would be read from there.
    private bool CoreStalled() =>
        _flashStall is not null && (FetchStalls(_engine!.Read(ArmReg.Pc)) || FetchStalls(_scb.Vtor) && _exceptions.HighestPending() != 0);

    public bool TryBusMasterRead(uint address, int size, out uint value)
    {
        if (TryHostMemory(address, (uint)size, out var span))
        {
            value = size switch
            {
                1 => span[0],
                2 => BinaryPrimitives.ReadUInt16LittleEndian(span),
                _ => BinaryPrimitives.ReadUInt32LittleEndian(span),
            };
            return true;
        }
        if (TryBusMasterPeripheral(address, size, out var peripheral))
        {
            value = peripheral.Read(address - peripheral.Base, size);
            return true;
        }
        value = 0;
        return false;
    }

    public bool TryBusMasterWrite(uint address, int size, uint value)
    {
        if (IsRam(address, (uint)size) && TryHostMemory(address, (uint)size, out var span))
        {
            // Code in SRAM that a DMA overwrites keeps its translation: no firmware here runs code from SRAM.
            switch (size)
            {
                case 1: span[0] = (byte)value; break;
                case 2: BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)value); break;
                default: BinaryPrimitives.WriteUInt32LittleEndian(span, value); break;
            }
            return true;
        }
        if (TryHostMemory(address, (uint)size, out _))
        {
            Fault($"DMA write of 0x{value:X8} ({size} byte(s)) into flash at 0x{address:X8}: programming flash by DMA is not modelled by the virtual board");
            return false;
        }
        if (TryBusMasterPeripheral(address, size, out var peripheral))
        {
            peripheral.Write(address - peripheral.Base, size, value);
            return true;
        }
        return false;
    }

    /// The private peripheral bus (0xE0000000 up: NVIC, SysTick, SCB) belongs to the core alone.
    private bool TryBusMasterPeripheral(uint address, int size, out IPeripheral peripheral)
    {
        if (address < 0xE000_0000 && _bus.TryFind(address, out peripheral) && address - peripheral.Base <= peripheral.Size - (uint)size)
            return true;
        peripheral = null!;
        return false;
    }
}
