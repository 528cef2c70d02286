namespace Streamsend.Engine.Sinks;

/// <summary>
/// What a sink reports once a file landed: where it is, the store's entity tag when the store has one, and a warning
/// when it landed somewhere else than its relative path says (<see cref="SenderCollisionRule"/>, <see cref="CaseCollisionRule"/>).
/// </summary>
public sealed record LandedObject(string Location, string? ETag = null, string? Warning = null);
