using System.Buffers;

namespace Streamsend.Engine;

/// <summary>Span overloads of Stream that .NET Core 2.1 added and .NET Framework 4.7.2 lacks: through a pooled array.</summary>
internal static class StreamPolyfills
{
    public static void Write(this Stream stream, ReadOnlySpan<byte> data)
    {
        var rented = ArrayPool<byte>.Shared.Rent(data.Length);
        try
        {
            data.CopyTo(rented);
            stream.Write(rented, 0, data.Length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static int Read(this Stream stream, Span<byte> buffer)
    {
        var rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var read = stream.Read(rented, 0, buffer.Length);
            rented.AsSpan(0, read).CopyTo(buffer);
            return read;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static void ReadExactly(this Stream stream, byte[] buffer, int offset, int count)
    {
        while (count > 0)
        {
            var read = stream.Read(buffer, offset, count);
            if (read == 0)
            {
                throw new EndOfStreamException("Unable to read beyond the end of the stream.");
            }
            offset += read;
            count -= read;
        }
    }
}
