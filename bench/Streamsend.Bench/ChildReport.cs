using System.Text.Json;
using System.Text.Json.Serialization;

namespace Streamsend.Bench;

/// <summary>What a child process measured about itself, printed as one `RESULT {json}` line on stdout.</summary>
/// <param name="ConnectStartedUnixMs">A sender's: when it began <c>FileSender.ConnectAsync</c>.</param>
/// <param name="FirstAckUnixMs">A sender's: when the engine reported the first acknowledged bytes (its first ProgressEvent).</param>
/// <param name="FirstAckBytes">A sender's: the bytes acknowledged at that moment.</param>
/// <param name="ChunkBytes">A sender's: the chunk size it sized from the topic's message limit.</param>
/// <param name="PackThresholdBytes">A sender's: files smaller than this went packed (0: none).</param>
public sealed record ChildReport(
    long Bytes,
    int Files,
    double Seconds,
    double CpuSeconds,
    long PeakWorkingSetBytes,
    long StartedUnixMs,
    int Failures,
    string? Problem,
    long ConnectStartedUnixMs = 0,
    long FirstAckUnixMs = 0,
    long FirstAckBytes = 0,
    int ChunkBytes = 0,
    int PackThresholdBytes = 0)
{
    public const string Prefix = "RESULT ";

    /// <summary>Set by <see cref="ChildLauncher"/>: just before the child process was started, so start-up counts the runtime's too.</summary>
    public long LaunchedUnixMs { get; init; }

    /// <summary>The child's problem, or how many of its transfers failed; null when all went well.</summary>
    [JsonIgnore]
    public string? WhatWentWrong => Problem ?? (Failures > 0 ? $"{Failures} failures" : null);

    [JsonIgnore]
    public DateTimeOffset Started => DateTimeOffset.FromUnixTimeMilliseconds(StartedUnixMs);

    /// <summary>Of the files' bytes, those this run sent (a resumed file sends only what Kafka never acknowledged).</summary>
    public long SentBytes { get; init; }

    /// <summary>Bytes an earlier run had sent and this one did not send again.</summary>
    public long ResumedBytes { get; init; }

    public string ToLine() => Prefix + JsonSerializer.Serialize(this);

    public static ChildReport? TryParse(string line) =>
        line.StartsWith(Prefix, StringComparison.Ordinal) ? JsonSerializer.Deserialize<ChildReport>(line[Prefix.Length..]) : null;
}
