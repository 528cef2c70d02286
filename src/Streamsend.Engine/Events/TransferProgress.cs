namespace Streamsend.Engine.Events;

/// <summary>Where one file's transfer stands. Bytes count only what Kafka acknowledged (sending) or what was written (receiving).</summary>
public sealed record TransferProgress(
    Guid TransferId,
    string RelativePath,
    long BytesDone,
    long BytesTotal,
    TimeSpan Elapsed,
    bool IsComplete)
{
    public double BytesPerSecond => Elapsed.TotalSeconds > 0 ? BytesDone / Elapsed.TotalSeconds : 0;
}
