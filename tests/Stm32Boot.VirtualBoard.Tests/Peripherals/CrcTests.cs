using System.IO.Hashing;
using System.Text;
using FsCheck.Xunit;
using Xunit;

namespace Stm32Boot.VirtualBoard.Tests.Peripherals;

public sealed class CrcTests
{
    private const uint CRC = 0x4002_3000, CRC_DR = CRC + 0x00, CRC_IDR = CRC + 0x04, CRC_CR = CRC + 0x08,
        CRC_INIT = CRC + 0x10, CRC_POL = CRC + 0x14;
    private const uint RESET = 1u << 0, POLYSIZE_16 = 1u << 3, POLYSIZE_8 = 2u << 3, POLYSIZE_7 = 3u << 3,
        REV_IN_BYTE = 1u << 5, REV_IN_HALFWORD = 2u << 5, REV_IN_WORD = 3u << 5, REV_OUT = 1u << 7;

    private static readonly byte[] Check = Encoding.ASCII.GetBytes("123456789");

    private readonly Bench _bench = new();

    public CrcTests() => _bench.Set(Bench.RCC_AHB1ENR, 1u << 12); // RCC_AHB1ENR.CRCEN

    private void Configure(uint cr, uint init, uint polynomial)
    {
        _bench.Write(CRC_POL, polynomial);
        _bench.Write(CRC_INIT, init);
        _bench.Write(CRC_CR, cr | RESET);
    }

    private void FeedBytes(ReadOnlySpan<byte> data)
    {
        foreach (var value in data) _bench.Write(CRC_DR, value, size: 1);
    }

    /// Words where possible, then the tail byte by byte: how the bootloader feeds an image.
    private void FeedWordsThenBytes(ReadOnlySpan<byte> data)
    {
        var words = data.Length / 4 * 4;
        for (var i = 0; i < words; i += 4) _bench.Write(CRC_DR, BitConverter.ToUInt32(data.Slice(i, 4)));
        FeedBytes(data[words..]);
    }

    [Fact]
    public void Reset_values_match_RM0351()
    {
        Assert.Equal(0xFFFF_FFFFu, _bench.Read(CRC_DR));
        Assert.Equal(0u, _bench.Read(CRC_IDR));
        Assert.Equal(0u, _bench.Read(CRC_CR));
        Assert.Equal(0xFFFF_FFFFu, _bench.Read(CRC_INIT));
        Assert.Equal(0x04C1_1DB7u, _bench.Read(CRC_POL));
    }

    [Fact]
    public void Default_configuration_computes_CRC32_MPEG2()
    {
        _bench.Write(CRC_CR, RESET);
        FeedBytes(Check);
        Assert.Equal(0x0376_E6E7u, _bench.Read(CRC_DR));
    }

    [Property(MaxTest = 200)]
    public bool Word_reversal_with_output_reversal_gives_the_zlib_crc(byte[] data)
    {
        // Configure starts a new computation, so every generated case begins from the same state.
        Configure(REV_IN_WORD | REV_OUT, 0xFFFF_FFFF, 0x04C1_1DB7);
        FeedWordsThenBytes(data);
        return ~_bench.Read(CRC_DR) == Crc32.HashToUInt32(data);
    }

    [Fact]
    public void Byte_reversal_with_byte_writes_gives_the_zlib_crc_of_the_check_string()
    {
        Configure(REV_IN_BYTE | REV_OUT, 0xFFFF_FFFF, 0x04C1_1DB7);
        FeedBytes(Check);
        Assert.Equal(0xCBF4_3926u, ~_bench.Read(CRC_DR));
    }

    [Fact]
    public void Half_word_reversal_with_half_word_writes_gives_the_zlib_crc()
    {
        var data = Encoding.ASCII.GetBytes("12345678");
        Configure(REV_IN_HALFWORD | REV_OUT, 0xFFFF_FFFF, 0x04C1_1DB7);
        for (var i = 0; i < data.Length; i += 2) _bench.Write(CRC_DR, BitConverter.ToUInt16(data, i), size: 2);
        Assert.Equal(Crc32.HashToUInt32(data), ~_bench.Read(CRC_DR));
    }

    [Fact]
    public void Sixteen_bit_polynomial_computes_CRC16_MODBUS()
    {
        Configure(POLYSIZE_16 | REV_IN_BYTE | REV_OUT, 0xFFFF, 0x8005);
        FeedBytes(Check);
        Assert.Equal(0x4B37u, _bench.Read(CRC_DR));
    }

    [Fact]
    public void Eight_bit_polynomial_computes_CRC8_SMBUS()
    {
        Configure(POLYSIZE_8, 0x00, 0x07);
        FeedBytes(Check);
        Assert.Equal(0xF4u, _bench.Read(CRC_DR));
    }

    [Fact]
    public void Seven_bit_polynomial_computes_CRC7_MMC()
    {
        Configure(POLYSIZE_7, 0x00, 0x09);
        FeedBytes(Check);
        Assert.Equal(0x75u, _bench.Read(CRC_DR));
    }

    [Fact]
    public void A_32_bit_write_equals_its_four_bytes_most_significant_first_without_reversal()
    {
        _bench.Write(CRC_CR, RESET);
        _bench.Write(CRC_DR, 0x3132_3334);
        var word = _bench.Read(CRC_DR);
        _bench.Write(CRC_CR, RESET);
        FeedBytes("1234"u8);
        Assert.Equal(word, _bench.Read(CRC_DR));
    }

    [Fact]
    public void Reset_bit_reloads_init_and_reads_as_zero()
    {
        Configure(0, 0x1234_5678, 0x04C1_1DB7);
        Assert.Equal(0x1234_5678u, _bench.Read(CRC_DR));
        FeedBytes(Check);
        _bench.Write(CRC_CR, RESET);
        Assert.Equal(0x1234_5678u, _bench.Read(CRC_DR));
        Assert.Equal(0u, _bench.Read(CRC_CR));
    }

    [Fact]
    public void Independent_data_register_keeps_eight_bits_across_a_crc_reset()
    {
        _bench.Write(CRC_IDR, 0xABCD_EF12);
        _bench.Write(CRC_CR, RESET);
        Assert.Equal(0x12u, _bench.Read(CRC_IDR));
    }

    [Fact]
    public void An_even_polynomial_stops_the_run()
    {
        _bench.Write(CRC_POL, 0x04C1_1DB6);
        Assert.Contains(_bench.Board.Faults, f => f.Contains("even"));
        Assert.Equal(0x04C1_1DB7u, _bench.Read(CRC_POL));
    }

    [Fact]
    public void Without_its_clock_the_unit_ignores_writes_and_reads_zero()
    {
        _bench.Clear(Bench.RCC_AHB1ENR, 1u << 12);
        _bench.Write(CRC_INIT, 0);
        Assert.Equal(0u, _bench.Read(CRC_INIT));
        _bench.Set(Bench.RCC_AHB1ENR, 1u << 12);
        Assert.Equal(0xFFFF_FFFFu, _bench.Read(CRC_INIT));
    }

    [Fact]
    public void The_RCC_reset_bit_returns_the_unit_to_reset_values()
    {
        Configure(POLYSIZE_8, 0x42, 0x07);
        _bench.Set(Bench.RCC_AHB1RSTR, 1u << 12);
        _bench.Clear(Bench.RCC_AHB1RSTR, 1u << 12);
        Assert.Equal(0u, _bench.Read(CRC_CR));
        Assert.Equal(0xFFFF_FFFFu, _bench.Read(CRC_INIT));
    }
}
