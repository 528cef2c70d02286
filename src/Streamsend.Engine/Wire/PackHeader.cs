namespace Streamsend.Engine.Wire;

/// <summary>The validated metadata of a pack message: many small files in one message (wire kind "pack").</summary>
public sealed record PackHeader(Guid PackId, string Sender, int EntryCount, PackCompression Compression);

/// <summary>How a pack's body is compressed. The wire value is the lower-case name.</summary>
public enum PackCompression
{
    /// <summary>Stored as is: the sender found the content did not shrink.</summary>
    None,

    /// <summary>Raw DEFLATE (RFC 1951), as zlib with wbits -15 or .NET's DeflateStream reads it.</summary>
    Deflate,
}
