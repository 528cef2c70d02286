using Microsoft.Win32.SafeHandles;

namespace Streamsend.Engine.Platform;

/// <summary>
/// A file read and written at explicit offsets, from several threads at once, with a flush that reaches the disk.
/// .NET 8: <see cref="RandomAccess"/> on a <see cref="SafeFileHandle"/> (pread/pwrite, overlapped I/O on Windows).
/// </summary>
internal sealed class PositionalFile : IDisposable
{
    private readonly SafeFileHandle handle;

    private PositionalFile(SafeFileHandle handle) => this.handle = handle;

    public static PositionalFile Open(string path, FileMode mode, FileAccess access, FileShare share, FileOptions options = FileOptions.None) =>
        new(File.OpenHandle(path, mode, access, share, options));

    public long Length => RandomAccess.GetLength(handle);

    public int Read(Span<byte> buffer, long offset) => RandomAccess.Read(handle, buffer, offset);

    public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken) =>
        RandomAccess.ReadAsync(handle, buffer, offset, cancellationToken);

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, long offset, CancellationToken cancellationToken) =>
        RandomAccess.WriteAsync(handle, data, offset, cancellationToken);

    /// <summary>fsync on Linux and macOS, FlushFileBuffers on Windows.</summary>
    public void FlushToDisk() => RandomAccess.FlushToDisk(handle);

    public void Dispose() => handle.Dispose();
}
