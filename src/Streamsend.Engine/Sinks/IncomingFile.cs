namespace Streamsend.Engine.Sinks;

/// <summary>What a sink needs to know about a file before its first byte arrives; <paramref name="ChunkCount"/> is how many writes it will take (a store with a limit on parts or blocks refuses a file it could not hold).</summary>
public sealed record IncomingFile(Guid TransferId, string RelativePath, string Sender, long Size, DateTimeOffset LastWriteTimeUtc, int ChunkCount = 1);
