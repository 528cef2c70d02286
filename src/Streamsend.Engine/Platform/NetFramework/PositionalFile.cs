namespace Streamsend.Engine.Platform;

/// <summary>
/// A file read and written at explicit offsets, from several threads at once, with a flush that reaches the disk.
/// .NET Framework has no RandomAccess: an unbuffered <see cref="FileStream"/> whose position is moved under a lock,
/// so that a seek and the read or write after it are never split by another thread.
/// </summary>
internal sealed class PositionalFile : IDisposable
{
    private readonly FileStream stream;
    private readonly object gate = new();

    private PositionalFile(FileStream stream) => this.stream = stream;

    public static PositionalFile Open(string path, FileMode mode, FileAccess access, FileShare share, FileOptions options = FileOptions.None) =>
        new(new FileStream(LongPaths.Extend(path), mode, access, share, bufferSize: 1, options));

    public long Length
    {
        get
        {
            lock (gate)
            {
                return stream.Length;
            }
        }
    }

    public int Read(Span<byte> buffer, long offset)
    {
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            int read;
            lock (gate)
            {
                stream.Position = offset;
                read = stream.Read(rented, 0, buffer.Length);
            }
            rented.AsSpan(0, read).CopyTo(buffer);
            return read;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new ValueTask<int>(Read(buffer.Span, offset));
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, long offset, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (System.Runtime.InteropServices.MemoryMarshal.TryGetArray(data, out var segment))
        {
            Write(segment.Array!, segment.Offset, segment.Count, offset);
            return default;
        }
        var copy = data.ToArray();
        Write(copy, 0, copy.Length, offset);
        return default;
    }

    private void Write(byte[] array, int index, int count, long offset)
    {
        lock (gate)
        {
            stream.Position = offset;
            stream.Write(array, index, count);
        }
    }

    /// <summary>FlushFileBuffers on Windows, fsync under Mono.</summary>
    public void FlushToDisk()
    {
        lock (gate)
        {
            stream.Flush(flushToDisk: true);
        }
    }

    public void Dispose() => stream.Dispose();
}
