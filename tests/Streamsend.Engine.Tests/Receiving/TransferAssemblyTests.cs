using System.Security.Cryptography;
using Confluent.Kafka;
using Streamsend.Engine.Receiving;
using Streamsend.Engine.Sinks;
using Streamsend.Engine.Tests.Support;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Tests.Receiving;

public class TransferAssemblyTests
{
    private const int ChunkSize = 1000;

    public static TheoryData<int[]> ArrivalOrders => new()
    {
        new[] { 0, 1, 2, 3, 4, 5, 6 },
        new[] { 6, 5, 4, 3, 2, 1, 0 },
        new[] { 3, 1, 5, 0, 6, 2, 4 },
        new[] { 1, 2, 3, 4, 5, 6, 0 },
    };

    [Theory]
    [MemberData(nameof(ArrivalOrders))]
    public async Task Chunks_arriving_in_any_order_hash_to_the_files_md5_and_land_its_bytes(int[] order)
    {
        using var files = new TestFiles();
        var content = new byte[6 * ChunkSize + 123];
        new Random(order[0]).NextBytes(content);
        var md5 = Convert.ToHexString(MD5.HashData(content)).ToLowerInvariant();
        var sink = new LocalDirectorySink(files.Root);
        await sink.PrepareAsync(CancellationToken.None);
        try
        {
            var transferId = Guid.NewGuid();
            var headers = order.Select(i => Header(transferId, i, content.Length, md5)).ToList();
            var partial = await sink.BeginAsync(new IncomingFile(transferId, "dir/file.bin", "test", content.Length, headers[0].LastWriteTimeUtc, headers[0].ChunkCount), CancellationToken.None);
            var assembly = new TransferAssembly(headers[0], partial);
            await using (assembly)
            {
                foreach (var header in headers)
                {
                    Assert.False(assembly.IsComplete);
                    using var value = PooledBytes.CopyOf(content.AsSpan((int)header.Offset, (int)header.ExpectedLength(ChunkSize)));
                    await assembly.AcceptAsync(header, value, new TopicPartitionOffset("t", 0, header.ChunkIndex), DateTimeOffset.UtcNow, CancellationToken.None);
                }

                Assert.True(assembly.IsComplete);
                Assert.Equal(md5, await assembly.ActualMd5Async(CancellationToken.None));
                await assembly.CommitAsync(CancellationToken.None);
            }
            Assert.Equal(content, File.ReadAllBytes(files.PathOf("dir/file.bin")));
        }
        finally
        {
            await sink.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_chunk_changed_on_disk_before_it_was_read_back_fails_verification()
    {
        using var files = new TestFiles();
        var content = new byte[3 * ChunkSize];
        new Random(5).NextBytes(content);
        var md5 = Convert.ToHexString(MD5.HashData(content)).ToLowerInvariant();
        var transferId = Guid.NewGuid();
        // A disk that lies: one byte of the chunk at ChunkSize reads back flipped.
        var partial = new MemoryPartialFile { AfterRead = (offset, bytes) => bytes.Span[0] ^= offset == ChunkSize ? (byte)0xFF : (byte)0 };
        var first = Header(transferId, 2, content.Length, md5);
        var assembly = new TransferAssembly(first, partial);
        await using (assembly)
        {
            foreach (var index in new[] { 2, 1, 0 })
            {
                var header = Header(transferId, index, content.Length, md5);
                using var value = PooledBytes.CopyOf(content.AsSpan(index * ChunkSize, ChunkSize));
                await assembly.AcceptAsync(header, value, new TopicPartitionOffset("t", 0, index), DateTimeOffset.UtcNow, CancellationToken.None);
            }

            Assert.NotEqual(md5, await assembly.ActualMd5Async(CancellationToken.None));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Recording_what_is_staged_waits_for_the_writes_of_every_chunk_it_records(bool checkpoint)
    {
        var content = new byte[3 * ChunkSize];
        // Gated writes give way when the assembly is disposed, so a recording that did not wait fails rather than hangs.
        var (partial, _, gate) = MemoryPartialFile.Gated();
        var transferId = Guid.NewGuid();
        var assembly = new TransferAssembly(Header(transferId, 0, content.Length, "md5"), partial);
        await using (assembly)
        {
            foreach (var index in new[] { 0, 2 })
            {
                using var value = PooledBytes.CopyOf(content.AsSpan(index * ChunkSize, ChunkSize));
                await assembly.AcceptAsync(Header(transferId, index, content.Length, "md5"), value, new TopicPartitionOffset("t", 0, index), DateTimeOffset.UtcNow, CancellationToken.None);
            }

            var recording = checkpoint ? assembly.CheckpointAsync(CancellationToken.None).AsTask() : assembly.KeepAsync(CancellationToken.None).AsTask();
            await Task.Delay(200);
            Assert.False(recording.IsCompleted);
            gate.SetResult(true);
            await recording;
        }

        Assert.Equal(new[] { "write 0", "wrote 0", "write 2000", "wrote 2000", checkpoint ? "checkpoint 0,2" : "keep 0,2" }, partial.Log);
    }

    [Fact]
    public async Task A_write_that_failed_beside_the_loop_fails_the_files_next_chunk_and_its_landing()
    {
        var content = new byte[3 * ChunkSize];
        var refused = new StreamsendException("DestinationWriteFailed", ErrorKind.WriteError, "disk full", "memory");
        var partial = new MemoryPartialFile { BeforeWrite = (offset, _) => offset == 0 ? throw refused : Task.CompletedTask };
        var transferId = Guid.NewGuid();
        var headers = Enumerable.Range(0, 3).Select(i => Header(transferId, i, content.Length, "md5")).ToList();
        var assembly = new TransferAssembly(headers[0], partial);
        await using (assembly)
        {
            using (var value = PooledBytes.CopyOf(content.AsSpan(0, ChunkSize)))
            {
                await assembly.AcceptAsync(headers[0], value, new TopicPartitionOffset("t", 0, 0), DateTimeOffset.UtcNow, CancellationToken.None);
            }
            await Assert.ThrowsAsync<StreamsendException>(() => assembly.CheckpointAsync(CancellationToken.None).AsTask());

            using (var value = PooledBytes.CopyOf(content.AsSpan(ChunkSize, ChunkSize)))
            {
                Assert.Same(refused, await Assert.ThrowsAsync<StreamsendException>(() => assembly.AcceptAsync(headers[1], value, new TopicPartitionOffset("t", 0, 1), DateTimeOffset.UtcNow, CancellationToken.None).AsTask()));
            }
            Assert.False(assembly.Has(1));
            Assert.Same(refused, await Assert.ThrowsAsync<StreamsendException>(() => assembly.ActualMd5Async(CancellationToken.None)));
        }
    }

    private static ChunkHeader Header(Guid transferId, int index, long fileSize, string md5)
    {
        var count = (int)((fileSize + ChunkSize - 1) / ChunkSize);
        return new ChunkHeader(MessageKind.Chunk, transferId, "dir/file.bin", "test", index, count, (long)index * ChunkSize, fileSize, new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero), index == count - 1 ? md5 : null);
    }
}
