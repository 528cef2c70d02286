namespace Streamsend.Engine.Sinks;

/// <summary>A small file that arrived whole and verified (a packed entry), ready to land in one step.</summary>
public sealed record CompleteFile(IncomingFile File, ReadOnlyMemory<byte> Content, string Md5);
