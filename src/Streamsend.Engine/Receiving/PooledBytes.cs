using System.Buffers;

namespace Streamsend.Engine.Receiving;

/// <summary>
/// Received bytes in an array rented from <see cref="ArrayPool{T}.Shared"/>, with exactly one owner at a time: the
/// owner disposes it, or hands it over (<see cref="HandOver"/>) to something that disposes it later, such as the
/// file's <see cref="BackgroundChunkWriter"/> once the chunk is written. Renting spares a large-object-heap array per chunk (1 MB chunks allocated
/// afresh cost a full garbage collection every few megabytes received).
/// </summary>
/// <remarks>
/// An array returned twice would be rented to two users at once and silently mix two files' bytes, so this owner
/// forgets its array when it returns or hands it over: disposing again does nothing, and reading afterwards throws.
/// </remarks>
public sealed class PooledBytes : IDisposable
{
    private readonly ArrayPool<byte> pool;
    private byte[]? array;

    private PooledBytes(ArrayPool<byte> pool, byte[] array, int length)
    {
        this.pool = pool;
        this.array = array;
        Length = length;
    }

    /// <summary>How many bytes are held; the rented array may be longer.</summary>
    public int Length { get; }

    /// <summary>The bytes; valid only while this owner holds them (not after <see cref="Dispose"/> or <see cref="HandOver"/>).</summary>
    public Memory<byte> Memory => Held().AsMemory(0, Length);

    public Span<byte> Span => Held().AsSpan(0, Length);

    /// <summary><paramref name="length"/> bytes of uninitialised pooled memory to fill.</summary>
    public static PooledBytes Rent(int length) => Rent(length, ArrayPool<byte>.Shared);

    /// <summary>A pooled copy of <paramref name="data"/> (librdkafka's buffer is valid only during deserialization).</summary>
    public static PooledBytes CopyOf(ReadOnlySpan<byte> data) => CopyOf(data, ArrayPool<byte>.Shared);

    /// <summary>Renting from another pool than the shared one: for tests that count what comes back.</summary>
    internal static PooledBytes Rent(int length, ArrayPool<byte> pool) => new(pool, pool.Rent(length), length);

    internal static PooledBytes CopyOf(ReadOnlySpan<byte> data, ArrayPool<byte> pool)
    {
        var copy = Rent(data.Length, pool);
        data.CopyTo(copy.Span);
        return copy;
    }

    /// <summary>Moves the bytes to a new owner; this one is left empty, so that disposing it no longer returns them.</summary>
    public PooledBytes HandOver() => new(pool, Interlocked.Exchange(ref array, null) ?? throw Gone(), Length);

    public void Dispose()
    {
        // Renting no bytes hands out the shared empty array, which is not the pool's to take back.
        if (Interlocked.Exchange(ref array, null) is { Length: > 0 } returned)
        {
            pool.Return(returned);
        }
    }

    private byte[] Held() => array ?? throw Gone();

    private static ObjectDisposedException Gone() =>
        new(nameof(PooledBytes), "These pooled bytes were returned to the pool or handed to another owner.");
}
