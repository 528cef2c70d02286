using System.Security.Cryptography;
using Streamsend.Engine.Receiving;
using Streamsend.Engine.Tests.Support;

namespace Streamsend.Engine.Tests.Receiving;

public class BackgroundChunkWriterTests
{
    private const int ChunkSize = 1000;
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(200);

    private readonly CountingPool pool = new();
    private readonly byte[] content = Enumerable.Range(0, 5 * ChunkSize).Select(i => (byte)(i * 7)).ToArray();

    [Fact]
    public async Task Chunks_written_in_order_are_staged_and_hash_to_the_md5_of_their_concatenation()
    {
        var partial = new MemoryPartialFile();
        await using var writer = new BackgroundChunkWriter(partial, hashes: true);

        for (var index = 0; index < 5; index++)
        {
            await writer.WriteAsync(index * ChunkSize, Chunk(index), hashNext: true, CancellationToken.None);
        }
        await writer.CompleteAsync();

        Assert.Equal(Md5Of(content), writer.Md5());
        Assert.Equal(content.AsSpan(3 * ChunkSize, ChunkSize).ToArray(), partial.At(3 * ChunkSize));
        Assert.Equal(pool.Rented, pool.Returned);
    }

    [Fact]
    public async Task A_chunk_that_arrived_ahead_of_a_gap_is_read_back_for_hashing_only_after_its_write()
    {
        var slowWrite = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var partial = new MemoryPartialFile { BeforeWrite = (offset, _) => offset == ChunkSize ? slowWrite.Task : Task.CompletedTask };
        await using var writer = new BackgroundChunkWriter(partial, hashes: true);

        await writer.WriteAsync(ChunkSize, Chunk(1), hashNext: false, CancellationToken.None);
        await writer.WriteAsync(0, Chunk(0), hashNext: true, CancellationToken.None);
        await writer.HashStagedAsync(ChunkSize, ChunkSize, CancellationToken.None);
        await Task.Delay(Settle);
        Assert.Equal(new[] { "write 1000" }, partial.Log);
        slowWrite.SetResult(true);
        await writer.CompleteAsync();

        Assert.Equal(new[] { "write 1000", "wrote 1000", "write 0", "wrote 0", "read 1000" }, partial.Log);
        Assert.Equal(Md5Of(content.AsSpan(0, 2 * ChunkSize).ToArray()), writer.Md5());
    }

    [Fact]
    public async Task A_file_whose_writes_fall_behind_makes_the_loop_wait_once_a_few_chunks_are_queued()
    {
        var (partial, writeStarted, gate) = MemoryPartialFile.Gated();
        await using var writer = new BackgroundChunkWriter(partial, hashes: false);

        await FillQueueBehindAWriteAsync(writer, writeStarted);
        var beyond = writer.WriteAsync(0, Chunk(0), hashNext: false, CancellationToken.None).AsTask();
        await Task.Delay(Settle);
        Assert.False(beyond.IsCompleted);

        gate.SetResult(true);
        await beyond;
        await writer.CompleteAsync();
        Assert.Equal(pool.Rented, pool.Returned);
    }

    [Fact]
    public async Task A_failed_write_is_thrown_where_the_file_is_next_handed_a_chunk_or_waited_for_and_skips_what_follows()
    {
        var refused = new StreamsendException("DestinationWriteFailed", ErrorKind.WriteError, "disk full", "memory");
        var partial = new MemoryPartialFile { BeforeWrite = (offset, _) => offset == ChunkSize ? throw refused : Task.CompletedTask };
        await using var writer = new BackgroundChunkWriter(partial, hashes: true);

        await writer.WriteAsync(0, Chunk(0), hashNext: true, CancellationToken.None);
        await writer.WriteAsync(ChunkSize, Chunk(1), hashNext: true, CancellationToken.None);
        await writer.WriteAsync(2 * ChunkSize, Chunk(2), hashNext: true, CancellationToken.None);

        Assert.Same(refused, await Assert.ThrowsAsync<StreamsendException>(() => writer.DrainAsync(CancellationToken.None)));
        Assert.Same(refused, await Assert.ThrowsAsync<StreamsendException>(() => writer.WriteAsync(3 * ChunkSize, Chunk(3), hashNext: true, CancellationToken.None).AsTask()));
        Assert.Same(refused, await Assert.ThrowsAsync<StreamsendException>(writer.CompleteAsync));
        Assert.DoesNotContain("write 2000", partial.Log);
        Assert.Equal(pool.Rented, pool.Returned);
    }

    [Fact]
    public async Task Stopping_skips_the_chunks_still_queued_and_returns_every_chunk_to_the_pool()
    {
        // The write under way finishes (its sink does not heed the cancellation): what is queued behind it must still not be written.
        var writeStarted = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var partial = new MemoryPartialFile { BeforeWrite = (_, _) => { writeStarted.TrySetResult(true); return gate.Task; } };
        var writer = new BackgroundChunkWriter(partial, hashes: true);
        await writer.WriteAsync(0, Chunk(0), hashNext: true, CancellationToken.None);
        await writeStarted.Task;
        await writer.WriteAsync(ChunkSize, Chunk(1), hashNext: true, CancellationToken.None);

        var stopping = writer.StopAsync().AsTask();
        gate.SetResult(true);
        await stopping;
        await writer.DisposeAsync();

        Assert.Equal(new[] { "write 0", "wrote 0" }, partial.Log);
        Assert.Equal(pool.Rented, pool.Returned);
    }

    [Fact]
    public async Task A_chunk_still_waiting_for_room_when_the_loop_is_cancelled_goes_back_to_the_pool()
    {
        var (partial, writeStarted, gate) = MemoryPartialFile.Gated();
        await using var writer = new BackgroundChunkWriter(partial, hashes: false);
        await FillQueueBehindAWriteAsync(writer, writeStarted);
        using var cancellation = new CancellationTokenSource(Settle);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer.WriteAsync(0, Chunk(0), hashNext: false, cancellation.Token).AsTask());
        gate.SetResult(true);
        await writer.CompleteAsync();

        Assert.Equal(pool.Rented, pool.Returned);
    }

    /// <summary>Hands over a chunk and, once its write is under way, <see cref="BackgroundChunkWriter.Depth"/> more, each queued at once: the next one must wait for room.</summary>
    private async Task FillQueueBehindAWriteAsync(BackgroundChunkWriter writer, TaskCompletionSource<bool> writeStarted)
    {
        await writer.WriteAsync(0, Chunk(0), hashNext: false, CancellationToken.None);
        await writeStarted.Task;
        for (var i = 0; i < BackgroundChunkWriter.Depth; i++)
        {
            Assert.True(writer.WriteAsync(0, Chunk(0), hashNext: false, CancellationToken.None).IsCompleted);
        }
    }

    private PooledBytes Chunk(int index) => PooledBytes.CopyOf(content.AsSpan(index * ChunkSize, ChunkSize), pool);

    private static string Md5Of(byte[] bytes) => Convert.ToHexString(MD5.HashData(bytes)).ToLowerInvariant();
}
