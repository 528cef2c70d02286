using System.Text;
using Confluent.Kafka;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Tests.Wire;

public class WireCodecTests
{
    private static readonly Guid Transfer = Guid.Parse("0123456789abcdef0123456789abcdef");

    private static ChunkHeader LastChunk(long size = 2_500_000, int index = 2, int count = 3, long offset = 1_900_000) =>
        new(MessageKind.Chunk, Transfer, "dir/ü file.bin", "host-1", index, count, offset, size, new DateTimeOffset(2026, 11, 25, 9, 48, 23, 123, TimeSpan.Zero), "d41d8cd98f00b204e9800998ecf8427e");

    [Fact]
    public void A_chunk_header_survives_encoding_and_decoding_unchanged()
    {
        var header = LastChunk();
        var decoded = WireCodec.Decode(WireCodec.Encode(header), 600_000);
        Assert.Equal(MessageClass.Valid, decoded.Class);
        Assert.Equal(header, decoded.Header);
    }

    [Fact]
    public void Every_header_value_is_plain_utf8_text_readable_by_other_clients()
    {
        var headers = WireCodec.Encode(LastChunk());
        string Text(string name) => Encoding.UTF8.GetString(headers.GetLastBytes(name));
        Assert.Equal("1", Text(WireHeaders.Version));
        Assert.Equal("chunk", Text(WireHeaders.Kind));
        Assert.Equal("0123456789abcdef0123456789abcdef", Text(WireHeaders.Transfer));
        Assert.Equal("dir/ü file.bin", Text(WireHeaders.Path));
        Assert.Equal("2", Text(WireHeaders.ChunkIndex));
        Assert.Equal("3", Text(WireHeaders.ChunkCount));
        Assert.Equal("1900000", Text(WireHeaders.Offset));
        Assert.Equal("2500000", Text(WireHeaders.Size));
        Assert.Equal("2026-11-25T09:48:23.1230000Z", Text(WireHeaders.LastWriteTime));
        Assert.Equal("d41d8cd98f00b204e9800998ecf8427e", Text(WireHeaders.Md5));
        Assert.Equal("0123456789abcdef0123456789abcdef", Encoding.ASCII.GetString(WireCodec.Key(Transfer)));
    }

    [Fact]
    public void Messages_without_streamsend_headers_are_foreign()
    {
        Assert.Equal(MessageClass.Foreign, WireCodec.Decode(null, 10).Class);
        Assert.Equal(MessageClass.Foreign, WireCodec.Decode(new Headers { { "traceparent", new byte[] { 1 } } }, 10).Class);
    }

    public static TheoryData<string, string?, int> BrokenHeaders => new()
    {
        { WireHeaders.Version, "2", 600_000 },
        { WireHeaders.Version, "x", 600_000 },
        { WireHeaders.Kind, "pack", 600_000 },
        { WireHeaders.Transfer, "not-a-guid", 600_000 },
        { WireHeaders.Path, "", 600_000 },
        { WireHeaders.ChunkIndex, "3", 600_000 },
        { WireHeaders.ChunkIndex, "-1", 600_000 },
        { WireHeaders.ChunkCount, "0", 600_000 },
        { WireHeaders.Offset, "2500001", 600_000 },
        { WireHeaders.Size, "10000000000000000", 600_000 },
        { WireHeaders.Md5, "xyz", 600_000 },
        { WireHeaders.Md5, null, 600_000 },
        { WireHeaders.LastWriteTime, "yesterday", 600_000 },
        { WireHeaders.Size, "2500000", 10 },
    };

    [Theory]
    [MemberData(nameof(BrokenHeaders))]
    public void A_message_that_breaks_the_format_is_malformed_and_says_why(string name, string? value, int valueLength)
    {
        var headers = WireCodec.Encode(LastChunk());
        headers.Remove(name);
        if (value is not null)
        {
            headers.Add(name, Encoding.UTF8.GetBytes(value));
        }
        var decoded = WireCodec.Decode(headers, valueLength);
        Assert.Equal(MessageClass.Malformed, decoded.Class);
        Assert.False(string.IsNullOrWhiteSpace(decoded.Problem));
        Assert.Null(decoded.Header);
    }

    [Fact]
    public void A_claim_of_a_ten_terabyte_file_is_accepted_as_a_number_but_bounded()
    {
        var huge = new ChunkHeader(MessageKind.Chunk, Transfer, "big", "s", 0, 10_000_000, 0, 10L << 40, DateTimeOffset.UnixEpoch, null);
        var decoded = WireCodec.Decode(WireCodec.Encode(huge), 1_000_000);
        Assert.Equal(MessageClass.Valid, decoded.Class);
        Assert.True(WireCodec.MaxFileSize >= 10L << 40);
    }

    [Fact]
    public void Random_header_values_never_throw_from_the_parser()
    {
        var random = new Random(20261125);
        var names = new[] { WireHeaders.Version, WireHeaders.Kind, WireHeaders.Transfer, WireHeaders.Path, WireHeaders.Sender, WireHeaders.ChunkIndex, WireHeaders.ChunkCount, WireHeaders.Offset, WireHeaders.Size, WireHeaders.LastWriteTime, WireHeaders.Md5 };
        for (var round = 0; round < 20_000; round++)
        {
            var headers = WireCodec.Encode(LastChunk());
            foreach (var name in names.Where(_ => random.Next(4) == 0))
            {
                headers.Remove(name);
                if (random.Next(3) > 0)
                {
                    var junk = new byte[random.Next(0, 80)];
                    random.NextBytes(junk);
                    if (random.Next(2) == 0)
                    {
                        junk = Encoding.UTF8.GetBytes(random.Next(-5, 3_000_000).ToString());
                    }
                    headers.Add(name, junk);
                }
            }
            var decoded = WireCodec.Decode(headers, random.Next(0, 3_000_000));
            Assert.True(decoded.Class == MessageClass.Valid ? decoded.Header is not null : decoded.Problem is not null);
        }
    }
}
