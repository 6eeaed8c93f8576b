using System.Text;
using Stm32Boot.VirtualBoard.Gdb;
using Xunit;

namespace Stm32Boot.VirtualBoard.Tests.Gdb;

/// The framing layer against the GDB manual's own examples and rules ("GDB Remote Serial Protocol", "Overview").
public sealed class RemotePacketTests
{
    [Theory]
    [InlineData("OK", "$OK#9a")]          // 'O' 0x4F + 'K' 0x4B = 0x9A
    [InlineData("", "$#00")]
    [InlineData("qSupported", "$qSupported#37")]
    [InlineData("vMustReplyEmpty", "$vMustReplyEmpty#3a")]
    public void Frame_appends_the_modulo_256_sum_in_lower_case_hex(string payload, string frame) =>
        Assert.Equal(frame, Encoding.Latin1.GetString(RemotePacket.Frame(payload)));

    [Fact]
    public void Frame_escapes_hash_dollar_brace_and_star_and_sums_what_is_sent()
    {
        var frame = Encoding.Latin1.GetString(RemotePacket.Frame(new byte[] { (byte)'#', (byte)'$', (byte)'}', (byte)'*', (byte)'a' }));
        // each escaped byte travels as '}' then the byte XOR 0x20: # -> }\x03, $ -> }\x04, } -> }], * -> }\x0a
        const string body = "}\x03}\x04}]}\x0a" + "a";
        Assert.Equal($"${body}#{RemotePacket.Checksum(Encoding.Latin1.GetBytes(body)):x2}", frame);
    }

    [Fact]
    public void Unescape_undoes_Escape_for_every_byte_value()
    {
        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var escaped = RemotePacket.Escape(all);
        Assert.DoesNotContain((byte)'#', escaped);
        Assert.DoesNotContain((byte)'$', escaped);
        Assert.Equal(all, RemotePacket.Unescape(escaped));
        Assert.Throws<FormatException>(() => RemotePacket.Unescape("ab}"u8));
    }

    [Fact]
    public void Reader_splits_packets_acks_and_interrupts_whatever_the_chunks()
    {
        var stream = Encoding.Latin1.GetBytes("+$g#67-\x03$m8000000,4#25+");
        var expected = new[] { "Ack", "Packet g ok", "Nack", "Interrupt", "Packet m8000000,4 ok", "Ack" };
        foreach (var chunk in new[] { 1, 3, stream.Length })
        {
            var reader = new RemotePacketReader();
            var items = new List<string>();
            for (var i = 0; i < stream.Length; i += chunk)
                items.AddRange(reader.Feed(stream.AsMemory(i, Math.Min(chunk, stream.Length - i))).Select(Describe));
            Assert.Equal(expected, items);
        }
    }

    [Fact]
    public void Reader_flags_a_wrong_checksum_and_drops_noise_between_packets()
    {
        var reader = new RemotePacketReader();
        var items = reader.Feed(Encoding.Latin1.GetBytes("xyz#$g#68$?#3f")).Select(Describe).ToList();
        Assert.Equal(new[] { "Packet g bad", "Packet ? ok" }, items);
    }

    [Fact]
    public void Reader_keeps_escaped_binary_data_as_sent_for_X_to_unescape()
    {
        var payload = Encoding.Latin1.GetBytes("X20000000,1:}\x03");
        var frame = RemotePacket.Frame(payload); // Frame escapes '}' once more: what matters is what arrives
        var packet = Assert.IsType<RemoteInput.Packet>(Assert.Single(new RemotePacketReader().Feed(frame)));
        Assert.True(packet.ChecksumOk);
        Assert.Equal(payload, RemotePacket.Unescape(packet.Payload));
    }

    [Fact]
    public void Registers_travel_in_target_byte_order()
    {
        Assert.Equal("78563412", RemotePacket.ToHexLittleEndian(0x12345678, 4));
        Assert.Equal(0x12345678ul, RemotePacket.FromHexLittleEndian("78563412"));
        Assert.Equal("000000000000f03f", RemotePacket.ToHexLittleEndian(BitConverter.DoubleToUInt64Bits(1.0), 8));
        Assert.Equal(0x8020800u, RemotePacket.ParseHexNumber("8020800"));
        Assert.Throws<FormatException>(() => RemotePacket.ParseHexNumber("08x"));
        Assert.Throws<FormatException>(() => RemotePacket.FromHex("abc"));
    }

    [Fact]
    public void The_target_description_is_M_profile_with_msp_psp_and_the_vfp_registers_numbered_as_in_g()
    {
        var xml = System.Xml.Linq.XDocument.Parse(TargetRegisters.TargetXml);
        var features = xml.Root!.Elements("feature").Select(f => (string)f.Attribute("name")!).ToList();
        Assert.Equal(new[] { "org.gnu.gdb.arm.m-profile", "org.gnu.gdb.arm.m-system", "org.gnu.gdb.arm.vfp" }, features);
        var regs = xml.Descendants("reg").Select(r => ((string)r.Attribute("name")!, (int)r.Attribute("regnum")!, (int)r.Attribute("bitsize")!)).ToList();
        Assert.Equal(Enumerable.Range(0, regs.Count), regs.Select(r => r.Item2));
        Assert.Equal(("pc", 15, 32), regs[15]);
        Assert.Equal(("xpsr", 16, 32), regs[16]);
        Assert.Contains(("msp", 17, 32), regs);
        Assert.Contains(("d15", 38, 64), regs);
    }

    private static string Describe(RemoteInput input) => input switch
    {
        RemoteInput.Packet p => $"Packet {p.Text} {(p.ChecksumOk ? "ok" : "bad")}",
        _ => input.GetType().Name,
    };
}
