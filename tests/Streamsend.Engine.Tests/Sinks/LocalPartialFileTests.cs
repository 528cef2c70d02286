using System.Security.Cryptography;
using Streamsend.Engine.Sinks;
using Streamsend.Engine.Tests.Support;

namespace Streamsend.Engine.Tests.Sinks;

public class LocalPartialFileTests
{
    [Fact]
    public async Task A_file_larger_than_the_flush_interval_is_flushed_while_it_arrives_and_lands_whole()
    {
        using var files = new TestFiles();
        const int chunk = 1 << 20;
        var chunkCount = (int)(LocalPartialFile.BackgroundFlushBytes / chunk) + 3;
        var content = new byte[(long)chunkCount * chunk];
        new Random(3).NextBytes(content);
        var md5 = Convert.ToHexString(MD5.HashData(content)).ToLowerInvariant();
        var sink = new LocalDirectorySink(files.Root);
        await sink.PrepareAsync(CancellationToken.None);
        try
        {
            var partial = (LocalPartialFile)await sink.BeginAsync(new IncomingFile(Guid.NewGuid(), "big.bin", "test", content.Length, DateTimeOffset.UtcNow, chunkCount), CancellationToken.None);
            await using (partial)
            {
                // Backwards, as chunks spread over partitions may arrive.
                for (var index = chunkCount - 1; index >= 0; index--)
                {
                    await partial.WriteAsync((long)index * chunk, content.AsMemory(index * chunk, chunk), CancellationToken.None);
                }

                Assert.Equal(1, partial.BackgroundFlushes);
                await partial.CommitAsync(md5, CancellationToken.None);
            }
        }
        finally
        {
            await sink.DisposeAsync();
        }
        Assert.Equal(md5, TestFiles.Hashes(files.Root)["big.bin"]);
        Assert.Empty(TestFiles.StagedLeftovers(files.Root));
    }

    [Fact]
    public async Task The_md5_of_what_was_staged_is_read_back_from_disk_whatever_order_it_was_written_in()
    {
        using var files = new TestFiles();
        const int chunk = 700_000;
        var content = new byte[3 * chunk + 12_345];
        new Random(4).NextBytes(content);
        var sink = new LocalDirectorySink(files.Root);
        await sink.PrepareAsync(CancellationToken.None);
        try
        {
            await using var partial = await sink.BeginAsync(new IncomingFile(Guid.NewGuid(), "scan.tif", "test", content.Length, DateTimeOffset.UtcNow, ChunkCount: 4), CancellationToken.None);
            foreach (var index in new[] { 2, 0, 3, 1 })
            {
                var offset = index * chunk;
                await partial.WriteAsync(offset, content.AsMemory(offset, Math.Min(chunk, content.Length - offset)), CancellationToken.None);
            }

            Assert.Equal(Convert.ToHexString(MD5.HashData(content)).ToLowerInvariant(), await partial.HashStagedAsync(CancellationToken.None));
        }
        finally
        {
            await sink.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_aborted_file_being_flushed_leaves_no_trace()
    {
        using var files = new TestFiles();
        var sink = new LocalDirectorySink(files.Root);
        await sink.PrepareAsync(CancellationToken.None);
        try
        {
            var partial = (LocalPartialFile)await sink.BeginAsync(new IncomingFile(Guid.NewGuid(), "gone.bin", "test", LocalPartialFile.BackgroundFlushBytes, DateTimeOffset.UtcNow, ChunkCount: 1), CancellationToken.None);
            await partial.WriteAsync(0, new byte[LocalPartialFile.BackgroundFlushBytes], CancellationToken.None);
            Assert.Equal(1, partial.BackgroundFlushes);

            await partial.AbortAsync();
        }
        finally
        {
            await sink.DisposeAsync();
        }
        Assert.False(File.Exists(files.PathOf("gone.bin")));
        Assert.Empty(TestFiles.StagedLeftovers(files.Root));
    }
}
