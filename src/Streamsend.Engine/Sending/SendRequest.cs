namespace Streamsend.Engine.Sending;

/// <summary>One file to send: where it is, and the '/'-separated path it will have at the receiver.</summary>
public sealed record SendRequest(string FullPath, string RelativePath);
