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

    /// <summary>Acknowledged bytes per second, in MB/s (10^6), for the default table view.</summary>
    public double MBPerSecond => Duration.TotalSeconds > 0 ? Length / Duration.TotalSeconds / 1e6 : 0;
}
