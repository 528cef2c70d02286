namespace Streamsend.Engine.Wire;

/// <summary>One small file inside a pack: its own transfer id, path, size, last-write time and MD5, and its bytes.</summary>
public sealed record PackedEntry(Guid TransferId, string RelativePath, long Size, DateTimeOffset LastWriteTimeUtc, string Md5, ReadOnlyMemory<byte> Content);
