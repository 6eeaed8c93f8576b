using Xunit;
using static Stm32Boot.VirtualBoard.Tests.Peripherals.Bench;

namespace Stm32Boot.VirtualBoard.Tests.Peripherals;

public sealed class GpioTests
{
    private const uint GPIOA = 0x4800_0000, GPIOB = 0x4800_0400, GPIOC = 0x4800_0800, GPIOH = 0x4800_1C00;
    private const uint MODER = 0x00, OTYPER = 0x04, OSPEEDR = 0x08, PUPDR = 0x0C, IDR = 0x10, ODR = 0x14,
        BSRR = 0x18, LCKR = 0x1C, AFRL = 0x20, BRR = 0x28;
    private const uint RCC_AHB2RSTR = RCC + 0x2C;

    private readonly Bench _bench = new();
    private readonly List<(char Port, int Pin, bool Level, ulong TimePs)> _edges = new();

    public GpioTests()
    {
        _bench.Write(RCC_AHB2ENR, 0x87); // GPIOA, B, C and H clocks
        _bench.Models.Gpio.OutputChanged += (port, pin, level, time) => _edges.Add((port, pin, level, time));
    }

    private void MakeOutput(uint port, int pin) =>
        _bench.Write(port + MODER, (_bench.Read(port + MODER) & ~(3u << (2 * pin))) | (1u << (2 * pin)));

    [Fact]
    public void Reset_values_keep_the_debug_pins_of_ports_A_and_B()
    {
        Assert.Equal(0xABFF_FFFFu, _bench.Read(GPIOA + MODER));
        Assert.Equal(0x0C00_0000u, _bench.Read(GPIOA + OSPEEDR));
        Assert.Equal(0x6400_0000u, _bench.Read(GPIOA + PUPDR));
        Assert.Equal(0xFFFF_FEBFu, _bench.Read(GPIOB + MODER));
        Assert.Equal(0x0000_0100u, _bench.Read(GPIOB + PUPDR));
        Assert.Equal(0xFFFF_FFFFu, _bench.Read(GPIOC + MODER));
        Assert.Equal(0x0000_000Fu, _bench.Read(GPIOH + MODER));
    }

    [Fact]
    public void Led_pin_driven_through_BSRR_reports_each_edge_with_its_time()
    {
        MakeOutput(GPIOA, 5); // LD1 on PA5
        _bench.Write(GPIOA + BSRR, 1u << 5);
        _bench.Clock.AdvanceMicroseconds(250_000);
        _bench.Write(GPIOA + BSRR, 1u << (16 + 5));

        Assert.Equal(new[] { ('A', 5, true, 0UL), ('A', 5, false, 250_000_000_000UL) }, _edges);
        Assert.False(_bench.Models.Gpio.GetOutput('A', 5));
        Assert.Equal(0u, _bench.Read(GPIOA + ODR));
    }

    [Fact]
    public void Letting_a_held_pin_float_is_reported_but_not_the_float_out_of_a_chip_reset()
    {
        var released = new List<(char Port, int Pin)>();
        _bench.Models.Gpio.PinReleased += (port, pin, _) => released.Add((port, pin));
        MakeOutput(GPIOA, 5);
        _bench.Write(GPIOC + PUPDR, 1u << (2 * 3)); // PC3: pull-up, still analog: the pull is off (RM0351 §8.3.12)
        _bench.Write(GPIOC + MODER, _bench.Read(GPIOC + MODER) & ~(3u << (2 * 3))); // now an input with its pull-up
        Assert.Empty(released);

        _bench.Write(GPIOC + PUPDR, 0); // input without pull
        _bench.Write(GPIOA + MODER, _bench.Read(GPIOA + MODER) | (3u << (2 * 5))); // output back to analog
        Assert.Equal(new[] { ('C', 3), ('A', 5) }, released);

        MakeOutput(GPIOB, 14);
        _bench.Reset(ResetKind.System);
        Assert.Equal(2, released.Count);
        _bench.Write(RCC_AHB2ENR, 0x87);
        MakeOutput(GPIOB, 14);
        _bench.Set(RCC_AHB2RSTR, 1u << 1); // GPIOB through RCC: reported
        Assert.Equal(('B', 14), released[^1]);
    }

    [Fact]
    public void Set_wins_over_reset_in_BSRR_and_BRR_resets()
    {
        MakeOutput(GPIOB, 14); // LD2 on PB14
        _bench.Write(GPIOB + BSRR, (1u << 14) | (1u << (16 + 14)));
        Assert.True(_bench.Models.Gpio.GetOutput('B', 14));
        _bench.Write(GPIOB + BRR, 1u << 14);
        Assert.False(_bench.Models.Gpio.GetOutput('B', 14));
    }

    [Fact]
    public void A_half_word_store_to_the_upper_half_of_BSRR_only_resets()
    {
        MakeOutput(GPIOA, 5);
        _bench.Write(GPIOA + ODR, 1u << 5);
        _bench.Write(GPIOA + BSRR + 2, 1u << 5, size: 2);
        Assert.Equal(0u, _bench.Read(GPIOA + ODR));
    }

    [Fact]
    public void Button_input_reads_high_until_pressed()
    {
        _bench.Write(GPIOC + MODER, _bench.Read(GPIOC + MODER) & ~(3u << 26)); // PC13 input
        Assert.Equal(1u << 13, _bench.Read(GPIOC + IDR) & (1u << 13));
        _bench.Models.SetButtonPressed(true);
        Assert.Equal(0u, _bench.Read(GPIOC + IDR) & (1u << 13));
        Assert.Empty(_edges); // an input is not an output edge
    }

    [Fact]
    public void Analog_pins_read_zero_and_floating_inputs_follow_their_pull()
    {
        Assert.Equal(0u, _bench.Read(GPIOC + IDR)); // all analog after reset, PC13 included
        _bench.Write(GPIOC + MODER, 0);
        _bench.Write(GPIOC + PUPDR, 1u << 0); // PC0 pull-up
        Assert.Equal((1u << 0) | (1u << 13), _bench.Read(GPIOC + IDR));
    }

    [Fact]
    public void Open_drain_high_releases_the_pin_to_its_pull()
    {
        MakeOutput(GPIOB, 2);
        _bench.Write(GPIOB + OTYPER, 1u << 2);
        _bench.Write(GPIOB + ODR, 1u << 2);
        Assert.False(_bench.Models.Gpio.GetOutput('B', 2));
        _bench.Write(GPIOB + PUPDR, _bench.Read(GPIOB + PUPDR) | (1u << 4));
        Assert.True(_bench.Models.Gpio.GetOutput('B', 2));
    }

    [Fact]
    public void A_reset_that_returns_a_lit_led_to_analog_is_an_edge()
    {
        MakeOutput(GPIOA, 5);
        _bench.Write(GPIOA + BSRR, 1u << 5);
        _bench.Reset(ResetKind.System);
        Assert.Equal(('A', 5, false), (_edges[^1].Port, _edges[^1].Pin, _edges[^1].Level));
    }

    [Fact]
    public void The_lock_sequence_freezes_the_configuration_until_reset()
    {
        MakeOutput(GPIOA, 5);
        const uint pins = 1u << 5;
        _bench.Write(GPIOA + LCKR, (1u << 16) | pins);
        _bench.Write(GPIOA + LCKR, pins);
        _bench.Write(GPIOA + LCKR, (1u << 16) | pins);
        _bench.Read(GPIOA + LCKR);
        Assert.Equal((1u << 16) | pins, _bench.Read(GPIOA + LCKR));

        _bench.Write(GPIOA + MODER, 0);
        Assert.Equal(1u << 10, _bench.Read(GPIOA + MODER) & (3u << 10));
        _bench.Write(GPIOA + AFRL, 0xFFFF_FFFF);
        Assert.Equal(0xFF0F_FFFFu, _bench.Read(GPIOA + AFRL));
        _bench.Write(GPIOA + ODR, pins); // data is not locked
        Assert.True(_bench.Models.Gpio.GetOutput('A', 5));

        _bench.Reset(ResetKind.System);
        Assert.Equal(0u, _bench.Read(GPIOA + LCKR));
    }

    [Fact]
    public void A_broken_lock_sequence_does_not_lock()
    {
        _bench.Write(GPIOA + LCKR, (1u << 16) | 1);
        _bench.Write(GPIOA + LCKR, 2);
        _bench.Write(GPIOA + LCKR, (1u << 16) | 1);
        _bench.Read(GPIOA + LCKR);
        Assert.Equal(0u, _bench.Read(GPIOA + LCKR) & (1u << 16));
    }

    [Fact]
    public void A_port_without_its_clock_ignores_writes()
    {
        _bench.Write(RCC_AHB2ENR, 0);
        _bench.Write(GPIOA + MODER, 0);
        _bench.Write(RCC_AHB2ENR, 1);
        Assert.Equal(0xABFF_FFFFu, _bench.Read(GPIOA + MODER));
    }

    [Fact]
    public void Ports_F_and_G_do_not_exist_on_the_100_pin_package()
    {
        _bench.Read(0x4800_1400);
        Assert.Contains(_bench.Board.Faults, f => f.Contains("GPIOF"));
    }
}
