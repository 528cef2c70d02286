namespace Streamsend.Engine.Sinks;

/// <summary>What a sink needs to know about a file before its first byte arrives.</summary>
public sealed record IncomingFile(Guid TransferId, string RelativePath, string Sender, long Size, DateTimeOffset LastWriteTimeUtc);
