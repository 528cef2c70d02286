using System.Collections.Concurrent;

namespace Streamsend.Engine.Sending;

/// <summary>
/// Full-size chunk buffers shared by the files being read. Kafka copies a message when it is produced, so a file needs
/// its buffer only until its last chunk is handed over; reusing it for the next file spares a large-object-heap
/// allocation per file, which with many files made the garbage (and the process's peak) grow with the file count.
/// Holds at most as many buffers as files were read at once.
/// </summary>
internal sealed class ChunkBufferPool
{
    private readonly ConcurrentBag<byte[]> idle = new();

    /// <summary>A buffer of exactly <paramref name="length"/> bytes (Kafka sends a value's whole array), back in the pool when the lease is disposed.</summary>
    public Lease Rent(int length)
    {
        while (idle.TryTake(out var buffer))
        {
            if (buffer.Length == length)
            {
                return new Lease(this, buffer);
            }
            // The chunk size shrank (the broker refused larger chunks): buffers of the old size are dropped.
        }
        return new Lease(this, new byte[length]);
    }

    /// <summary>Buffers waiting to be reused.</summary>
    public int IdleCount => idle.Count;

    /// <summary>One file's use of a buffer. Disposing it twice returns it once.</summary>
    public sealed class Lease : IDisposable
    {
        private readonly ChunkBufferPool pool;
        private byte[]? buffer;

        public Lease(ChunkBufferPool pool, byte[] buffer)
        {
            this.pool = pool;
            this.buffer = buffer;
        }

        public byte[] Buffer => buffer ?? throw new ObjectDisposedException(nameof(Lease));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref buffer, null) is { } returned)
            {
                pool.idle.Add(returned);
            }
        }
    }
}
