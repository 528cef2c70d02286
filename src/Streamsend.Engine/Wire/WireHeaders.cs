namespace Streamsend.Engine.Wire;

/// <summary>
/// The Kafka header names of the Streamsend wire format, version 1. docs/wire-format.md says the same.
/// All header values are UTF-8 text so that any Kafka client (kcat, Python, Java) can read and write them.
/// </summary>
public static class WireHeaders
{
    public const string Prefix = "streamsend.";
    public const string Version = "streamsend.version";
    public const string Kind = "streamsend.kind";
    public const string Transfer = "streamsend.transfer";
    public const string Path = "streamsend.path";
    public const string Sender = "streamsend.sender";
    public const string ChunkIndex = "streamsend.chunk";
    public const string ChunkCount = "streamsend.chunks";
    public const string Offset = "streamsend.offset";
    public const string Size = "streamsend.size";
    public const string LastWriteTime = "streamsend.mtime";
    public const string Md5 = "streamsend.md5";

    /// <summary>Pack messages: how many files the pack holds.</summary>
    public const string Entries = "streamsend.entries";

    /// <summary>Pack messages: "none" or "deflate".</summary>
    public const string Compression = "streamsend.compression";

    /// <summary>Optional: "chunk" (chunks spread over all partitions) or "file" (one partition). Absent means unknown.</summary>
    public const string Distribution = "streamsend.distribution";

    /// <summary>Optional, chunk messages: the partition count the sender rotated the file's chunks over.</summary>
    public const string Partitions = "streamsend.partitions";

    /// <summary>Optional, chunk messages: 1 for a transfer's first sending, n for its (n-1)th resume. Absent means 1.</summary>
    public const string Attempt = "streamsend.attempt";

    /// <summary>The format version this build writes; readers reject versions they do not know.</summary>
    public const int CurrentVersion = 1;
}
