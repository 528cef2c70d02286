namespace Streamsend.Engine.Sinks;

/// <summary>What a sink reports once a file landed: where it is, and the store's entity tag when the store has one.</summary>
public sealed record LandedObject(string Location, string? ETag = null);
