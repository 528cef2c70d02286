using System.Diagnostics;
using System.Threading.Channels;
using Streamsend.Engine;
using Streamsend.Engine.Events;
using Streamsend.Engine.Kafka;
using Streamsend.Engine.Sending;

namespace Streamsend.Bench;

/// <summary>
/// The child processes of the benchmark: a sender (Streamsend or raw) alone in its process, so that its CPU time and
/// peak memory are its own and not the mock cluster's or the receiver's.
/// </summary>
public static class SenderChild
{
    /// <summary>
    /// `send BOOTSTRAP TOPIC PATH [--pack-threshold BYTES] [name=value...]`: sends a file or a folder with Streamsend's
    /// defaults (or this pack threshold) and these librdkafka properties. `resumable-send BOOTSTRAP TOPIC PATH
    /// RESUME_FOLDER BYTES_PER_SECOND` keeps resume state there, as Send-StreamFile does, and caps the rate (0: no cap).
    /// </summary>
    public static async Task<ChildReport> SendAsync(string bootstrap, string topic, string path, IReadOnlyList<string> arguments, string? resumeFolder = null, long? bytesPerSecond = null)
    {
        var events = new CountingEventSink();
        var kafka = new Dictionary<string, string> { ["log_level"] = "3" };
        int? packThreshold = null;
        for (var i = 0; i < arguments.Count; i++)
        {
            if (arguments[i] == "--pack-threshold" && i + 1 < arguments.Count)
            {
                packThreshold = int.Parse(arguments[++i], System.Globalization.CultureInfo.InvariantCulture);
                continue;
            }
            var parts = arguments[i].Split('=', 2);
            kafka[parts[0]] = parts.Length == 2 ? parts[1] : throw new FormatException($"'{arguments[i]}' is not name=value.");
        }
        var options = new SendOptions
        {
            Kafka = new KafkaSettings(bootstrap, kafka),
            Topic = topic,
            SenderName = "bench",
            PackThreshold = packThreshold,
            // The mock has no DescribeConfigs; it answers at once with an error, and the sender falls back to 1,000,000.
            SizeLimitLookupTimeout = TimeSpan.FromSeconds(2),
            ResumeFolder = resumeFolder,
            MaxBytesPerSecond = bytesPerSecond > 0 ? bytesPerSecond : null,
        };
        var connectStarted = DateTimeOffset.UtcNow;
        using var sender = await FileSender.ConnectAsync(options, events, CancellationToken.None);
        var requests = Channel.CreateUnbounded<SendRequest>();
        var bytes = 0L;
        var files = 0;
        foreach (var request in SourceTree.Expand(Path.GetFullPath(path), null))
        {
            bytes += new FileInfo(request.FullPath).Length;
            files++;
            requests.Writer.TryWrite(request);
        }
        requests.Writer.Complete();
        var cpu = ProcessMeter.CpuTime();
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await sender.SendAllAsync(requests.Reader, CancellationToken.None);
        clock.Stop();
        var cpuUsed = ProcessMeter.CpuTime() - cpu;
        var problem = events.FirstFailure?.Message ?? (events.Sent != files ? $"{events.Sent} of {files} files sent" : null);
        var firstAck = events.FirstAck;
        return new ChildReport(bytes, events.Sent, clock.Elapsed.TotalSeconds, cpuUsed.TotalSeconds, ProcessMeter.PeakWorkingSetBytes(), started.ToUnixTimeMilliseconds(), events.Failures, problem,
            ConnectStartedUnixMs: connectStarted.ToUnixTimeMilliseconds(),
            FirstAckUnixMs: firstAck?.At.ToUnixTimeMilliseconds() ?? 0,
            FirstAckBytes: firstAck?.Bytes ?? 0,
            ChunkBytes: sender.ChunkSize,
            PackThresholdBytes: packThreshold ?? sender.ChunkSize / 16)
        {
            SentBytes = events.SentBytes,
            ResumedBytes = events.ResumedBytes,
        };
    }

    /// <summary>`idle`: the same runtime with the engine and librdkafka loaded, doing nothing: the baseline for peak memory.</summary>
    public static async Task<ChildReport> IdleAsync()
    {
        LibrdkafkaNativeLoader.EnsureInstalled();
        _ = Confluent.Kafka.Library.Version;
        _ = typeof(FileSender).Assembly.GetTypes();
        await Task.Delay(500);
        return new ChildReport(0, 0, 0, ProcessMeter.CpuTime().TotalSeconds, ProcessMeter.PeakWorkingSetBytes(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 0, null);
    }

    private sealed class CountingEventSink : IEngineEventSink
    {
        private int sent;
        private int failures;
        private long sentBytes;
        private long resumedBytes;
        private StreamsendException? firstFailure;
        private Acknowledged? firstAck;

        public int Sent => Volatile.Read(ref sent);

        public int Failures => Volatile.Read(ref failures);

        public long SentBytes => Interlocked.Read(ref sentBytes);

        public long ResumedBytes => Interlocked.Read(ref resumedBytes);

        public StreamsendException? FirstFailure => Volatile.Read(ref firstFailure);

        /// <summary>The engine's first report of acknowledged bytes: the end of the send's start-up.</summary>
        public Acknowledged? FirstAck => Volatile.Read(ref firstAck);

        public void Post(EngineEvent engineEvent)
        {
            switch (engineEvent)
            {
                case ProgressEvent { Progress.BytesDone: > 0 } progress when Volatile.Read(ref firstAck) is null:
                    Interlocked.CompareExchange(ref firstAck, new Acknowledged(DateTimeOffset.UtcNow, progress.Progress.BytesDone), null);
                    break;
                case FileSentEvent file:
                    Interlocked.Increment(ref sent);
                    Interlocked.Add(ref sentBytes, file.File.SentBytes);
                    Interlocked.Add(ref resumedBytes, file.File.ResumedBytes);
                    break;
                case TransferFailedEvent failed:
                    Interlocked.Increment(ref failures);
                    Interlocked.CompareExchange(ref firstFailure, failed.Error, null);
                    break;
                case DiagnosticEvent { Level: DiagnosticLevel.Warning } warning:
                    Console.Error.WriteLine($"warning: {warning.Message}");
                    break;
            }
        }
    }

    private sealed record Acknowledged(DateTimeOffset At, long Bytes);
}
