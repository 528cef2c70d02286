namespace Streamsend.Engine;

/// <summary>A file that landed at its final place after its size and MD5 were verified. Emitted by Receive-StreamFile.</summary>
public sealed record ReceivedFile(
    string FullName,
    string RelativePath,
    long Length,
    string Md5,
    bool Verified,
    string SourcePath,
    string Sender,
    Guid TransferId,
    DateTimeOffset LastWriteTimeUtc,
    string Topic,
    TimeSpan Duration,
    string? ETag = null);
