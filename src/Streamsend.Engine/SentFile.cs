namespace Streamsend.Engine;

/// <summary>A file Kafka acknowledged in full. Emitted once per file by Send-StreamFile.</summary>
public sealed record SentFile(
    string Path,
    string RelativePath,
    long Length,
    string Md5,
    int Chunks,
    Guid TransferId,
    string Topic,
    string Sender,
    TimeSpan Duration)
{
    /// <summary>True when the file travelled packed with other small files in one message.</summary>
    public bool Packed { get; init; }

    /// <summary>Bytes an earlier run had sent and Kafka acknowledged, which this run did not send again (0 unless resumed).</summary>
    public long ResumedBytes { get; init; }

    /// <summary>Bytes this run sent and Kafka acknowledged: <see cref="Length"/> minus <see cref="ResumedBytes"/> for a file sent whole.</summary>
    public long SentBytes { get; init; }

    /// <summary>Which sending of the transfer this run was: 1 for the first, 2 for the first resume, and so on.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>Bytes this run sent per second, in MB/s (10^6), for the default table view.</summary>
    public double MBPerSecond => Duration.TotalSeconds > 0 ? SentBytes / Duration.TotalSeconds / 1e6 : 0;
}
