using System.Text.Json;

namespace Streamsend.Bench;

/// <summary>What a child process measured about itself, printed as one `RESULT {json}` line on stdout.</summary>
public sealed record ChildReport(
    long Bytes,
    int Files,
    double Seconds,
    double CpuSeconds,
    long PeakWorkingSetBytes,
    long StartedUnixMs,
    int Failures,
    string? Problem)
{
    public const string Prefix = "RESULT ";

    /// <summary>Of the files' bytes, those this run sent (a resumed file sends only what Kafka never acknowledged).</summary>
    public long SentBytes { get; init; }

    /// <summary>Bytes an earlier run had sent and this one did not send again.</summary>
    public long ResumedBytes { get; init; }

    public string ToLine() => Prefix + JsonSerializer.Serialize(this);

    public static ChildReport? TryParse(string line) =>
        line.StartsWith(Prefix, StringComparison.Ordinal) ? JsonSerializer.Deserialize<ChildReport>(line[Prefix.Length..]) : null;
}
