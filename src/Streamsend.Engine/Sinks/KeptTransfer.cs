namespace Streamsend.Engine.Sinks;

/// <summary>An incomplete transfer whose staged data an earlier run kept (<see cref="IPartialFile.KeepAsync"/>), not yet taken up again.</summary>
public sealed record KeptTransfer(IncomingFile File, StagedProgress Progress);
