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
        var partial = new CorruptingPartialFile(corruptOffset: ChunkSize);
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

    private static ChunkHeader Header(Guid transferId, int index, long fileSize, string md5)
    {
        var count = (int)((fileSize + ChunkSize - 1) / ChunkSize);
        return new ChunkHeader(MessageKind.Chunk, transferId, "dir/file.bin", "test", index, count, (long)index * ChunkSize, fileSize, new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero), index == count - 1 ? md5 : null);
    }

    /// <summary>Keeps what is written in memory, except that one byte at <c>corruptOffset</c> reads back flipped (a disk that lies).</summary>
    private sealed class CorruptingPartialFile(long corruptOffset) : IPartialFile
    {
        private readonly Dictionary<long, byte[]> written = new();

        public string FinalLocation => "memory";

        public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            written[offset] = data.ToArray();
            return ValueTask.CompletedTask;
        }

        public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            written[offset].AsSpan(0, buffer.Length).CopyTo(buffer.Span);
            if (offset == corruptOffset)
            {
                buffer.Span[0] ^= 0xFF;
            }
            return ValueTask.CompletedTask;
        }

        public bool HashesItself => false;

        public ValueTask<string> HashStagedAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("hashed by the receiver in this test");

        public ValueTask<LandedObject> CommitAsync(string md5, CancellationToken cancellationToken) => throw new InvalidOperationException("not landed in this test");

        public ValueTask AbortAsync() => ValueTask.CompletedTask;

        public StagedProgress? Kept => null;

        public ValueTask<bool> CheckpointAsync(StagedProgress progress, CancellationToken cancellationToken) => ValueTask.FromResult(false);

        public ValueTask<bool> KeepAsync(StagedProgress progress, CancellationToken cancellationToken) => ValueTask.FromResult(false);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
