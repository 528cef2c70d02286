using System.Security.Cryptography;
using Streamsend.Engine.Receiving;

namespace Streamsend.Engine.Tests.Receiving;

public class BackgroundMd5Tests
{
    [Fact]
    public async Task Blocks_handed_over_in_order_hash_to_the_md5_of_their_concatenation()
    {
        var blocks = Enumerable.Range(0, 50).Select(i => Enumerable.Range(0, 10_000 + i).Select(b => (byte)(b * i)).ToArray()).ToList();
        var expected = Convert.ToHexString(MD5.HashData(blocks.SelectMany(b => b).ToArray())).ToLowerInvariant();
        await using var md5 = new BackgroundMd5();

        foreach (var block in blocks)
        {
            // Rented arrays are longer than these blocks (16 KiB for 10,000 bytes): only the held length counts.
            await md5.AppendAsync(PooledBytes.CopyOf(block), CancellationToken.None);
        }

        Assert.Equal(expected, await md5.FinishAsync());
    }

    [Fact]
    public async Task A_file_of_no_bytes_has_the_md5_of_nothing()
    {
        await using var md5 = new BackgroundMd5();

        Assert.Equal("d41d8cd98f00b204e9800998ecf8427e", await md5.FinishAsync());
    }

    [Fact]
    public async Task Disposing_before_finishing_waits_for_the_hashing_and_throws_nothing()
    {
        var md5 = new BackgroundMd5();
        await md5.AppendAsync(PooledBytes.Rent(1 << 20), CancellationToken.None);

        await md5.DisposeAsync();
    }
}
