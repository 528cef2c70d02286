namespace Streamsend.Bench;

/// <summary>
/// A single-file send split at its first acknowledged chunk: the start-up before it (runtime, ConnectAsync, the first
/// round trip) and the steady rate after it, from the sender child's own clock and the engine's ProgressEvents.
/// </summary>
public sealed record StartupRow(string What, ChildReport Sender)
{
    /// <summary>From just before the child process was started to its ConnectAsync: the runtime, the engine and librdkafka loading.</summary>
    public double LaunchToConnectSeconds => (Sender.ConnectStartedUnixMs - Sender.LaunchedUnixMs) / 1e3;

    /// <summary>ConnectAsync (metadata, the message size limit, the producer) up to the first chunk.</summary>
    public double ConnectSeconds => (Sender.StartedUnixMs - Sender.ConnectStartedUnixMs) / 1e3;

    public double FirstChunkToFirstAckSeconds => (Sender.FirstAckUnixMs - Sender.StartedUnixMs) / 1e3;

    public double LaunchToFirstAckSeconds => (Sender.FirstAckUnixMs - Sender.LaunchedUnixMs) / 1e3;

    /// <summary>The bytes acknowledged after the first report, over the time from it to the last acknowledgement.</summary>
    public double SteadyMBPerSecond => (Sender.Bytes - Sender.FirstAckBytes) / 1e6 / (Sender.Seconds - FirstChunkToFirstAckSeconds);

    public static void Print(IReadOnlyList<StartupRow> rows)
    {
        Console.WriteLine();
        Console.WriteLine("Single-file send: start-up is timed from just before the sender child was launched (its runtime start included) to the engine's first report of acknowledged bytes; the steady rate runs from that report to the last acknowledgement.");
        Console.WriteLine("| single-file send | launch → ConnectAsync (s) | ConnectAsync → first chunk (s) | first chunk → first ack (s) | start-up: launch → first ack (s) | steady state after first ack (MB/s) | first chunk → last ack (MB/s) | start-up ÷ a 512 MiB send at the steady rate |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var row in rows)
        {
            if (row.Sender.FirstAckUnixMs == 0)
            {
                Console.WriteLine($"| {row.What} | | | | FAILED: no acknowledgement reported | | | |");
                continue;
            }
            var steadySend512 = (512L << 20) / 1e6 / row.SteadyMBPerSecond;
            Console.WriteLine($"| {row.What} | {row.LaunchToConnectSeconds:F2} | {row.ConnectSeconds:F2} | {row.FirstChunkToFirstAckSeconds:F3} | {row.LaunchToFirstAckSeconds:F2} | {row.SteadyMBPerSecond:F0} | {row.Sender.Bytes / 1e6 / row.Sender.Seconds:F0} | {row.LaunchToFirstAckSeconds / steadySend512:F2} |");
        }
    }
}
