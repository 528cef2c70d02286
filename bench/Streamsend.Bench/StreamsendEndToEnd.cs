using Streamsend.Engine.Events;
using Streamsend.Engine.Kafka;
using Streamsend.Engine.Receiving;
using Streamsend.Engine.Sinks;

namespace Streamsend.Bench;

/// <summary>
/// One Streamsend send + receive: a sender child sends a file or a folder while a <c>FileReceiver</c> here lands it
/// into a local folder; the time runs from the sender's first chunk to the last file landed and verified.
/// </summary>
public static class StreamsendEndToEnd
{
    public sealed record Result(double Seconds, string? Problem, ChildReport Sender, int FilesLanded);

    /// <param name="senderOptions">Passed to the sender child after the path, e.g. `--pack-threshold 0`.</param>
    public static Task<Result> RunAsync(BenchmarkContext context, string topic, string path, int files, string? expectedMd5, params string[] senderOptions) =>
        RunAsync(context, topic, files, expectedMd5, () => ChildLauncher.RunAsync(["send", context.Cluster.BootstrapServers, topic, path, .. senderOptions]));

    /// <param name="send">Runs the sender (or senders, one after another) and returns the report of the run that finished the send.</param>
    public static async Task<Result> RunAsync(BenchmarkContext context, string topic, int files, string? expectedMd5, Func<Task<ChildReport>> send)
    {
        var inbox = context.WorkPath($"inbox-{topic}");
        var events = new ReceiverEvents();
        var options = new ReceiveOptions
        {
            Kafka = new KafkaSettings(context.Cluster.BootstrapServers, new Dictionary<string, string>(BenchmarkContext.ConsumerTuning) { ["log_level"] = "3" }),
            Topic = topic,
            GroupId = $"bench-{Guid.NewGuid():N}",
            Sink = new LocalDirectorySink(inbox),
            MaxFiles = files,
            IdleTimeout = TimeSpan.FromSeconds(10),
            Timeout = TimeSpan.FromMinutes(5),
        };
        var receiving = FileReceiver.RunAsync(options, events, CancellationToken.None);
        // The receiver's group join must be done before the sender outruns the mock's 5 MiB per partition.
        await Task.Delay(2000);
        var sent = await send();
        var summary = await receiving;
        await options.Sink.DisposeAsync();
        WorkFiles.DeleteQuietly(inbox);
        var end = events.LastLandedAt ?? DateTimeOffset.UtcNow;
        var seconds = (end - sent.Started).TotalSeconds;
        var problems = new List<string>();
        if (sent.WhatWentWrong is { } sendProblem)
        {
            problems.Add("send: " + sendProblem);
        }
        if (summary.FilesLanded < files)
        {
            problems.Add($"LOST: {files - summary.FilesLanded} of {files} files not landed ({summary.IncompleteAtStop} incomplete, {summary.FilesFailed} failed)");
        }
        if (expectedMd5 is not null && events.Md5s.Any(m => m != expectedMd5))
        {
            problems.Add("MD5 MISMATCH");
        }
        return new Result(seconds, problems.Count == 0 ? null : string.Join("; ", problems), sent, summary.FilesLanded);
    }

    private sealed class ReceiverEvents : IEngineEventSink
    {
        private readonly object gate = new();
        private readonly List<string> md5s = new();
        private DateTimeOffset? lastLandedAt;

        public DateTimeOffset? LastLandedAt
        {
            get { lock (gate) { return lastLandedAt; } }
        }

        public IReadOnlyList<string> Md5s
        {
            get { lock (gate) { return md5s.ToList(); } }
        }

        public void Post(EngineEvent engineEvent)
        {
            switch (engineEvent)
            {
                case FileReceivedEvent received:
                    lock (gate)
                    {
                        lastLandedAt = DateTimeOffset.UtcNow;
                        md5s.Add(received.File.Md5);
                    }
                    break;
                case TransferFailedEvent failed:
                    Console.Error.WriteLine($"    receiver: {failed.Error.Message}");
                    break;
                case DiagnosticEvent { Level: DiagnosticLevel.Warning } warning:
                    Console.Error.WriteLine($"    receiver warning: {warning.Message}");
                    break;
            }
        }
    }
}
