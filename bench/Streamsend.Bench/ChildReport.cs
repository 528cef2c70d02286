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

    public string ToLine() => Prefix + JsonSerializer.Serialize(this);

    public static ChildReport? TryParse(string line) =>
        line.StartsWith(Prefix, StringComparison.Ordinal) ? JsonSerializer.Deserialize<ChildReport>(line[Prefix.Length..]) : null;
}
