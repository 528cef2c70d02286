using System.Threading.Channels;
using Streamsend.Engine.Events;
using Streamsend.Engine.Kafka;
using Streamsend.Engine.Receiving;
using Streamsend.Engine.Sending;
using Streamsend.Engine.Sinks;

namespace Streamsend.Engine.Tests.Support;

/// <summary>Runs a receiver while a sender sends, as a user would with two PowerShell windows.</summary>
public static class TransferHarness
{
    public static ReceiveOptions ReceiveOptions(KafkaSettings settings, string topic, string destination, int? maxFiles, string? groupId = null) => new()
    {
        Kafka = settings,
        Topic = topic,
        GroupId = groupId ?? $"group-{Guid.NewGuid():N}",
        Sink = new LocalDirectorySink(destination),
        MaxFiles = maxFiles,
        IdleTimeout = maxFiles is null ? TimeSpan.FromSeconds(3) : null,
        Timeout = TimeSpan.FromSeconds(90),
        CommitInterval = TimeSpan.FromMilliseconds(200),
    };

    /// <summary>One run of a receiver to its stop condition; its sink is disposed after it, as the cmdlet does.</summary>
    public static async Task<(ReceiveSummary Summary, RecordingEventSink Events)> ReceiveAsync(ReceiveOptions options)
    {
        var events = new RecordingEventSink();
        var summary = await FileReceiver.RunAsync(options, events, CancellationToken.None);
        await options.Sink.DisposeAsync();
        return (summary, events);
    }

    public static SendOptions SendOptions(KafkaSettings settings, string topic, int chunkSize, Distribution distribution = Distribution.Chunk) => new()
    {
        Kafka = settings,
        Topic = topic,
        ChunkSize = chunkSize,
        Distribution = distribution,
        SenderName = "test-sender",
    };

    public static async Task SendAllAsync(SendOptions options, IEnumerable<SendRequest> requests, RecordingEventSink events)
    {
        using var sender = await FileSender.ConnectAsync(options, events, CancellationToken.None);
        var channel = Channel.CreateUnbounded<SendRequest>();
        foreach (var request in requests)
        {
            channel.Writer.TryWrite(request);
        }
        channel.Writer.Complete();
        await sender.SendAllAsync(channel.Reader, CancellationToken.None);
    }

    /// <summary>
    /// Fan-in, one file after another: each (source, sender) is sent as <paramref name="relativePath"/> over a topic of its
    /// own and received into a new sink from <paramref name="sink"/>; every one must land. Returns the receivers' warnings and landings, in order.
    /// </summary>
    public static async Task<(List<string> Warnings, List<ReceivedFile> Landed)> LandOneByOneAsync(
        Support.MockClusterFixture kafka, Func<IFileSink> sink, string relativePath, int chunkSize, params (string Source, string Sender)[] sends)
    {
        var warnings = new List<string>();
        var landed = new List<ReceivedFile>();
        foreach (var (source, sender) in sends)
        {
            var topic = kafka.NewTopic(partitions: 4);
            var receive = ReceiveOptions(kafka.Settings, topic, "unused", maxFiles: 1) with { Sink = sink() };
            var (summary, _, received) = await SendWhileReceivingAsync(SendOptions(kafka.Settings, topic, chunkSize) with { SenderName = sender }, new[] { new SendRequest(source, relativePath) }, receive);
            Assert.Empty(received.Failures);
            Assert.Equal(1, summary.FilesLanded);
            warnings.AddRange(received.Of<DiagnosticEvent>().Where(d => d.Level == DiagnosticLevel.Warning).Select(d => d.Message));
            landed.Add(received.Of<FileReceivedEvent>().Single().File);
        }
        return (warnings, landed);
    }

    public static async Task<(ReceiveSummary Summary, RecordingEventSink Sent, RecordingEventSink Received)> SendWhileReceivingAsync(
        SendOptions send, IEnumerable<SendRequest> requests, ReceiveOptions receive)
    {
        var sent = new RecordingEventSink();
        var received = new RecordingEventSink();
        var receiving = FileReceiver.RunAsync(receive, received, CancellationToken.None);
        await SendAllAsync(send, requests, sent);
        var summary = await receiving;
        await receive.Sink.DisposeAsync();
        return (summary, sent, received);
    }
}
