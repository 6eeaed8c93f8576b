using Xunit;

namespace Stm32Boot.VirtualBoard.Tests.Core;

/// <summary>
/// A page erase stalls every fetch from its bank until it ends: code running from bank 1 neither executes nor takes
/// an interrupt meanwhile, while USART1, DMA and SysTick go on in virtual time. A USART byte arriving then overruns
/// the receiver if only an interrupt would have read it, and is kept when DMA1 moves it to SRAM. An erase in bank 2
/// stalls nothing (read-while-write across banks).
/// </summary>
public sealed class FlashStallTests
{
    /// Ticks and USART1 interrupts counted while FLASH_SR.BSY is set, the bytes the interrupt read, ORE seen, and
    /// what the DMA stored.
    private const string Source = """
        #define RCC_AHB1ENR REG(0x40021048)
        #define RCC_APB2ENR REG(0x40021060)
        #define USART1_CR1 REG(0x40013800)
        #define USART1_CR3 REG(0x40013808)
        #define USART1_BRR REG(0x4001380C)
        #define USART1_ISR REG(0x4001381C)
        #define USART1_ICR REG(0x40013820)
        #define USART1_RDR REG(0x40013824)
        #define DMA1_CCR5 REG(0x40020058)
        #define DMA1_CNDTR5 REG(0x4002005C)
        #define DMA1_CPAR5 REG(0x40020060)
        #define DMA1_CMAR5 REG(0x40020064)
        #define DMA1_CSELR REG(0x400200A8)
        #define FLASH_KEYR REG(0x40022008)
        #define FLASH_SR REG(0x40022010)
        #define FLASH_CR REG(0x40022014)
        #define BSY (1u << 16)
        #define RXNE (1u << 5)
        #define ORE (1u << 3)

        static volatile uint8_t dma_buffer[16];

        void SysTick_Handler(void)
        {
            if (FLASH_SR & BSY) RESULT[2]++;
            RESULT[3]++;
        }

        void IRQ37_Handler(void)
        {
            uint32_t isr = USART1_ISR;
            if (FLASH_SR & BSY) RESULT[4]++;
            if (isr & ORE) { RESULT[5]++; USART1_ICR = ORE; }
            if (!USE_DMA && (isr & RXNE)) RESULT[8 + RESULT[6]++] = USART1_RDR;
        }

        int main(void)
        {
            RCC_APB2ENR |= 1u << 14;
            USART1_BRR = 4000000 / 115200;                 // MSI 4 MHz after reset
            USART1_CR1 = (1u << 5) | (1u << 2) | 1u;       // RXNEIE, RE, UE
            if (USE_DMA)
            {
                RCC_AHB1ENR |= 1u;                         // DMA1EN
                DMA1_CSELR = 2u << 16;                     // C5S: USART1_RX
                DMA1_CPAR5 = 0x40013824;
                DMA1_CMAR5 = (uint32_t)dma_buffer;
                DMA1_CNDTR5 = sizeof dma_buffer;
                DMA1_CCR5 = (1u << 7) | 1u;                // MINC, EN
                USART1_CR3 = 1u << 6;                      // DMAR
            }
            NVIC_ISER(1) = 1u << (37 - 32);
            SYST_RVR = 4000 - 1;                           // 1 ms
            SYST_CVR = 0;
            SYST_CSR = 7;

            FLASH_KEYR = 0x45670123;
            FLASH_KEYR = 0xCDEF89AB;
            REG(0x40022000) &= ~(1u << 10);               // FLASH_ACR.DCEN off for the erase (errata ES0250)
            FLASH_CR = (1u << 1) | ((ERASE_PAGE % 256u) << 3) | (ERASE_PAGE >= 256u ? 1u << 11 : 0u); // PER, PNB, BKER
            FLASH_CR |= 1u << 16;                          // STRT
            while (FLASH_SR & BSY) {}
            FLASH_CR = 1u << 31;                           // LOCK

            for (volatile int i = 0; i < 100; i++) {}      // lets a pending interrupt in
            RESULT[7] = 16 - DMA1_CNDTR5;
            for (uint32_t i = 0; i < 4; i++) RESULT[12 + i] = dma_buffer[i];
            RESULT[0] = 0xD0DE;
            for (;;) __asm volatile("wfi");
        }
        """;

    private static uint Result(Board board, int i) => board.Read(TestFirmware.ResultsBase + 4u * (uint)i);

    /// Boots the firmware, sends three bytes as soon as the erase starts, runs until the firmware is done.
    private static Board Run(bool dma, uint page)
    {
        var firmware = TestFirmware.Build($"#define USE_DMA {(dma ? 1 : 0)}\n#define ERASE_PAGE {page}u\n" + Source);
        var board = new Board();
        board.Machine.LoadFlash(Machine.FlashBase, firmware.Image);
        board.Peripherals.Flash.OperationStarted += _ => board.SendToUart([0x41, 0x42, 0x43]);
        board.PowerOn();
        var result = board.RunFor(100 * Board.Millisecond, () => Result(board, 0) == 0xD0DE);
        Assert.Equal(StopReason.Condition, result.Reason);
        return board;
    }

    [Fact]
    public void A_byte_arriving_during_a_bank_1_erase_overruns_interrupt_driven_reception()
    {
        using var board = Run(dma: false, page: 100);
        Assert.Equal(0u, Result(board, 2));      // no SysTick while the erase ran
        Assert.Equal(0u, Result(board, 4));      // no USART1 interrupt either
        Assert.True(Result(board, 3) >= 1);      // the tick pended meanwhile is taken afterwards
        Assert.Equal(1u, Result(board, 6));      // only the first byte survived in RDR ...
        Assert.Equal(0x41u, Result(board, 8));
        Assert.Equal(1u, Result(board, 5));      // ... the others overran it
        Assert.Equal(2, board.Peripherals.Console.HostBytesLost);
    }

    [Fact]
    public void The_same_bytes_are_kept_when_DMA1_receives_them()
    {
        using var board = Run(dma: true, page: 100);
        Assert.Equal(0u, Result(board, 2));
        Assert.Equal(0u, Result(board, 4));
        Assert.Equal(3u, Result(board, 7));
        Assert.Equal([0x41u, 0x42u, 0x43u, 0x00u], [Result(board, 12), Result(board, 13), Result(board, 14), Result(board, 15)]);
        Assert.Equal(0u, Result(board, 5));
        Assert.Equal(0, board.Peripherals.Console.HostBytesLost);
    }

    [Fact]
    public void A_bank_2_erase_lets_bank_1_code_run_and_take_interrupts()
    {
        using var board = Run(dma: false, page: 300);
        Assert.InRange(Result(board, 2), 20u, 23u); // a 22 ms erase at 1 kHz
        Assert.Equal(3u, Result(board, 4));
        Assert.Equal(3u, Result(board, 6));
        Assert.Equal(0u, Result(board, 5));
        Assert.Equal(0, board.Peripherals.Console.HostBytesLost);
    }

    [Fact]
    public void The_stall_lasts_exactly_the_erase_and_time_runs_on()
    {
        ulong started = 0, ended = 0, instructionsAtStart = 0, instructionsAtEnd = 0;
        var firmware = TestFirmware.Build("#define USE_DMA 0\n#define ERASE_PAGE 100u\n" + Source);
        using var board = new Board();
        board.Machine.LoadFlash(Machine.FlashBase, firmware.Image);
        board.Peripherals.Flash.OperationStarted += op => (started, instructionsAtStart) = (op.StartPs, board.Machine.Instructions);
        board.Peripherals.Flash.OperationCompleted += op => (ended, instructionsAtEnd) = (op.EndPs, board.Machine.Instructions);
        board.PowerOn();
        board.RunFor(100 * Board.Millisecond, () => Result(board, 0) == 0xD0DE);
        Assert.Equal(22.02, (ended - started) / (double)Board.Millisecond, 2);
        // At most the rest of the block that started the erase ran after it (silicon's prefetch does as much).
        Assert.InRange(instructionsAtEnd - instructionsAtStart, 0ul, 8ul);
    }
}
