using System.Security.Cryptography;
using System.Text;
using Streamsend.Engine.Sending;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Tests.Sending;

public class PackBuilderTests
{
    private const int Capacity = 950_000;

    [Fact]
    public void Random_content_stops_being_deflated_after_the_probe_and_the_pack_goes_stored_and_reads_back()
    {
        using var builder = new PackBuilder(Capacity);
        var contents = new List<byte[]>();
        while (builder.HasRoomFor(16 * 1024))
        {
            var content = RandomBytes(16 * 1024, contents.Count);
            contents.Add(content);
            builder.Add(Member($"r/{contents.Count}.bin", content), content);
            Assert.Equal(contents.Count * (16 * 1024 + 200) < PackBuilder.ProbeBytes, builder.IsDeflating);
        }

        var (value, compression) = builder.Finish();

        Assert.Equal(PackCompression.None, compression);
        Assert.InRange(value.Length, Capacity - 20 * 1024, Capacity);
        var entries = PackBody.Read(value, new PackHeader(Guid.NewGuid(), "s", contents.Count, compression), new List<(string, string)>());
        Assert.Equal(contents, entries.Select(e => e.Content.ToArray()));
    }

    [Fact]
    public void Text_keeps_being_deflated_past_the_probe()
    {
        using var builder = new PackBuilder(Capacity);
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("2026-11-25 outlet 0042 receipt total 12.50 EUR\n", 300)));
        for (var i = 0; i * text.Length < 2 * PackBuilder.ProbeBytes; i++)
        {
            builder.Add(Member($"t/{i}.txt", text), text);
        }

        Assert.True(builder.IsDeflating);
        Assert.Equal(PackCompression.Deflate, builder.Finish().Compression);
    }

    [Fact]
    public void A_pack_whose_raw_body_outgrew_the_message_keeps_deflating_even_when_the_rest_does_not_shrink()
    {
        // A little text, then random bytes: by the time the probe sees the ratio above 0.9, the raw body is larger than
        // the message may be, so going stored would overflow it.
        const int capacity = 265_000;
        using var builder = new PackBuilder(capacity);
        var text = Encoding.UTF8.GetBytes(new string('a', 20_000));
        builder.Add(Member("t.txt", text), text);
        for (var i = 0; builder.HasRoomFor(16 * 1024); i++)
        {
            var content = RandomBytes(16 * 1024, i);
            builder.Add(Member($"r/{i}.bin", content), content);
        }

        var (value, compression) = builder.Finish();

        Assert.Equal(PackCompression.Deflate, compression);
        Assert.True(value.Length <= capacity, $"{value.Length} bytes in a {capacity}-byte message");
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static PackMember Member(string path, byte[] content) =>
        new(new SendRequest("/" + path, path), Guid.NewGuid(), content.Length, DateTimeOffset.UtcNow, Convert.ToHexString(MD5.HashData(content)).ToLowerInvariant());
}
