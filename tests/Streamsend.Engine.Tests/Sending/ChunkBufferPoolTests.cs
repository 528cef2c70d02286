using Streamsend.Engine.Sending;

namespace Streamsend.Engine.Tests.Sending;

public class ChunkBufferPoolTests
{
    [Fact]
    public void A_returned_buffer_serves_the_next_file_of_the_same_chunk_size()
    {
        var pool = new ChunkBufferPool();
        var first = pool.Rent(950_000);
        var buffer = first.Buffer;
        first.Dispose();

        using var second = pool.Rent(950_000);

        Assert.Same(buffer, second.Buffer);
        Assert.Equal(0, pool.IdleCount);
    }

    [Fact]
    public void Disposing_a_lease_twice_returns_its_buffer_once()
    {
        var pool = new ChunkBufferPool();
        var lease = pool.Rent(1024);

        lease.Dispose();
        lease.Dispose();

        Assert.Equal(1, pool.IdleCount);
        Assert.Throws<ObjectDisposedException>(() => lease.Buffer);
    }

    [Fact]
    public void Buffers_of_another_size_are_dropped_after_the_chunk_size_shrank()
    {
        var pool = new ChunkBufferPool();
        pool.Rent(1_000_000).Dispose();

        using var shrunk = pool.Rent(750_000);

        Assert.Equal(750_000, shrunk.Buffer.Length);
        Assert.Equal(0, pool.IdleCount);
    }

    [Fact]
    public void Files_read_at_once_hold_separate_buffers()
    {
        var pool = new ChunkBufferPool();

        using var one = pool.Rent(4096);
        using var other = pool.Rent(4096);

        Assert.NotSame(one.Buffer, other.Buffer);
    }
}
