namespace Streamsend.Engine.Sinks;

/// <summary>
/// A small file that arrived whole and verified (a packed entry), ready to land in one step. <see cref="Content"/> lies
/// in the pack's pooled message value, lent only until <see cref="IFileSink.LandAllAsync"/> returns.
/// </summary>
public sealed record CompleteFile(IncomingFile File, ReadOnlyMemory<byte> Content, string Md5);
