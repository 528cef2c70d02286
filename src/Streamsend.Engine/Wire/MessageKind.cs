namespace Streamsend.Engine.Wire;

/// <summary>What a Streamsend message carries. The wire value is the lower-case name.</summary>
public enum MessageKind
{
    /// <summary>One byte range of one file.</summary>
    Chunk,

    /// <summary>The sender gave up on a transfer (the file changed, or it restarts with smaller chunks): discard it.</summary>
    Abort,

    /// <summary>Many small files in one message, each with its own metadata and MD5 (see <see cref="PackBody"/>).</summary>
    Pack,
}
