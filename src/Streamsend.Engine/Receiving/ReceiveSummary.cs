namespace Streamsend.Engine.Receiving;

/// <summary>What one receiver run did, and why it stopped.</summary>
public sealed record ReceiveSummary(int FilesLanded, int FilesFailed, long ForeignMessages, int IncompleteAtStop, ReceiveStopReason StoppedBecause);

public enum ReceiveStopReason
{
    Cancelled,
    IdleTimeout,
    MaxFiles,
    Timeout,
}
