using Streamsend.Engine.Platform;

namespace Streamsend.Engine.Sending;

/// <summary>Reading a file that is being sent, where running out of bytes early means the file changed.</summary>
internal static class SourceFile
{
    /// <summary>Fills <paramref name="data"/> from <paramref name="offset"/>; false when the file ends first.</summary>
    public static bool TryReadExactly(PositionalFile file, Span<byte> data, long offset)
    {
        var filled = 0;
        while (filled < data.Length)
        {
            var read = file.Read(data.Slice(filled), offset + filled);
            if (read == 0)
            {
                return false;
            }
            filled += read;
        }
        return true;
    }
}
