namespace Streamsend.Engine.Sinks;

/// <summary>What became of one <see cref="CompleteFile"/>: where it landed, or why it did not.</summary>
public sealed record FileLanding(LandedObject? Landed, StreamsendException? Error);
