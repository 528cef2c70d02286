using System.Diagnostics;
using Streamsend.Engine.Events;
using Streamsend.Engine.Kafka;
using Streamsend.Engine.Receiving;
using Streamsend.Engine.Resume;
using Streamsend.Engine.Sending;
using Streamsend.Engine.Tests.MockKafka;
using Streamsend.Engine.Tests.Support;
using Streamsend.Engine.Wire;
using Streamsend.MockKafka;

namespace Streamsend.Engine.Tests.Transfers;

/// <summary>
/// Issue 12, the sender: a send that stops part-way (Kafka gone past -Timeout, Ctrl+C) is kept, and the next run of
/// the same send continues the same transfer with only what Kafka never acknowledged; a file that changed in between
/// starts a new transfer and receivers discard the old one. docs/wire-format.md "Resumed transfers".
/// </summary>
public sealed class ResumeTests : IClassFixture<MockClusterFixture>
{
    private const int Chunk = 64 * 1024;
    private const int Length = 48 * Chunk;
    private readonly MockClusterFixture kafka;

    public ResumeTests(MockClusterFixture kafka) => this.kafka = kafka;

    /// <summary>The mock's settings, with clients that find a broker coming back within a fifth of a second (librdkafka's backoff goes up to 10 s).</summary>
    private KafkaSettings Settings => kafka.Settings with
    {
        Properties = new Dictionary<string, string>(kafka.Settings.Properties.ToDictionary()) { ["reconnect.backoff.ms"] = "10", ["reconnect.backoff.max.ms"] = "200" },
    };

    /// <summary>A file of <see cref="Length"/> random bytes to send as <paramref name="name"/>, a topic of 4 partitions and a resume folder.</summary>
    private (SendRequest Request, string Topic, string ResumeFolder) NewCase(TestFiles files, string name, int seed) =>
        (new SendRequest(files.Write($"outbox/{name}", Length, seed), name), kafka.NewTopic(partitions: 4), files.PathOf("state/resume"));

    private SendOptions Options(string topic, string resumeFolder) =>
        TransferHarness.SendOptions(Settings, topic, Chunk) with { ResumeFolder = resumeFolder };

    [Fact]
    public async Task A_send_that_Kafka_stops_acknowledging_is_kept_and_the_next_run_sends_only_the_rest_and_the_file_lands_once()
    {
        using var files = new TestFiles();
        var (request, topic, resume) = NewCase(files, "survey.tif", 1);
        var path = request.FullPath;

        var (error, firstRun) = await SendUntilKafkaGoesAwayAsync(Options(topic, resume), request);

        Assert.Equal("ChunkNotAcknowledged", error.ErrorId);
        Assert.Contains("within -Timeout", error.Message);
        Assert.Matches(@"run the same Send-StreamFile command again to resume; [\d,]+ of 3,145,728 bytes are acknowledged\.$", error.Message);
        Assert.Single(Directory.GetFiles(resume, "*.json"));
        var firstTransfer = firstRun.Of<ProgressEvent>()[0].Progress.TransferId;

        var secondRun = new RecordingEventSink();
        var sent = await SendOnceAsync(Options(topic, resume), request, secondRun);

        Assert.Equal(firstTransfer, sent.TransferId);
        Assert.Equal(2, sent.Attempt);
        Assert.InRange(sent.ResumedBytes, Length / 3, Length - Chunk);
        Assert.Equal(Length, sent.ResumedBytes + sent.SentBytes);
        Assert.Empty(Directory.GetFiles(resume));
        Assert.DoesNotContain(ChunksOnTopic(topic), c => c.Kind == MessageKind.Abort);
        await ReceiveOnceAsync(topic, files.PathOf("inbox"), path, "survey.tif");
    }

    [Fact]
    public async Task A_file_sent_in_full_within_a_second_leaves_no_resume_state_and_no_warning()
    {
        using var files = new TestFiles();
        var (request, topic, resume) = NewCase(files, "note.bin", 7);
        var events = new RecordingEventSink();

        var sent = await SendOnceAsync(Options(topic, resume), request, events);

        Assert.Equal((1, 0L, (long)Length), (sent.Attempt, sent.ResumedBytes, sent.SentBytes));
        Assert.DoesNotContain(events.Of<DiagnosticEvent>(), d => d.Level == DiagnosticLevel.Warning);
        Assert.False(Directory.Exists(resume) && Directory.EnumerateFileSystemEntries(resume).Any(), "no resume state is left");
    }

    [Fact]
    public async Task While_Kafka_is_unreachable_the_sender_says_it_is_waiting_and_why_and_the_file_completes_when_Kafka_returns()
    {
        using var files = new TestFiles();
        var path = files.Write("outbox/scan.raw", Length, 2);
        var topic = kafka.NewTopic(partitions: 4);
        var events = new RecordingEventSink();
        var options = Options(topic, files.PathOf("state/resume")) with { MaxBytesPerSecond = 512 * 1024, KafkaWaitNotice = TimeSpan.FromSeconds(1) };
        using var sender = await FileSender.ConnectAsync(options, events, CancellationToken.None);
        var sending = sender.SendAsync(new SendRequest(path, "scan.raw"), CancellationToken.None);
        await WaitUntilAsync(() => AcknowledgedBytes(events) >= Length / 3, "a third of the file acknowledged");

        kafka.Cluster.SetBrokerDown(MockKafkaCluster.AllBrokers);
        try
        {
            await WaitUntilAsync(() => events.Of<KafkaWaitEvent>().Any(w => w.IsWaiting && w.Silence >= TimeSpan.FromSeconds(2)), "a report that the sender waits for Kafka");
        }
        finally
        {
            kafka.Cluster.SetBrokerUp(MockKafkaCluster.AllBrokers);
        }
        var sent = await sending;

        var waits = events.Of<KafkaWaitEvent>();
        var waiting = waits.Where(w => w.IsWaiting).ToList();
        Assert.All(waiting, w => Assert.True(w.Silence >= options.KafkaWaitNotice, $"waiting reported after {w.Silence}"));
        Assert.Contains(waiting, w => w.Cause is { } cause && cause.Contains("unreachable"));
        Assert.Contains("Waiting for Kafka: no acknowledgement for", waiting[^1].Describe());
        Assert.False(waits[^1].IsWaiting, "the wait ends when acknowledgements resume");
        Assert.Equal(1, sent.Attempt);
        Assert.Equal(Length, sent.SentBytes);
        Assert.Empty(events.Failures);
        await ReceiveOnceAsync(topic, files.PathOf("inbox"), path, "scan.raw");
    }

    [Theory]
    [InlineData("grew")]
    [InlineData("same length and last write time, other bytes")]
    public async Task A_file_that_changed_after_an_earlier_run_began_it_is_sent_as_a_new_transfer_and_receivers_discard_the_old_one(string change)
    {
        using var files = new TestFiles();
        var (request, topic, resume) = NewCase(files, "ledger.db", 3);
        var path = request.FullPath;
        var (_, firstRun) = await SendUntilKafkaGoesAwayAsync(Options(topic, resume), request);
        var oldTransfer = firstRun.Of<ProgressEvent>()[0].Progress.TransferId;
        if (change == "grew")
        {
            File.AppendAllText(path, "one more record\n");
        }
        else
        {
            // Chunk 1 was acknowledged before Kafka went away: only reading it again shows the change.
            var stamp = File.GetLastWriteTimeUtc(path);
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
            {
                stream.Position = Chunk + 100;
                stream.Write(new byte[] { 1, 2, 3, 4 }, 0, 4);
            }
            File.SetLastWriteTimeUtc(path, stamp);
        }

        var secondRun = new RecordingEventSink();
        var sent = await SendOnceAsync(Options(topic, resume), request, secondRun);

        Assert.NotEqual(oldTransfer, sent.TransferId);
        Assert.Equal(1, sent.Attempt);
        Assert.Equal(0, sent.ResumedBytes);
        Assert.Equal(new FileInfo(path).Length, sent.SentBytes);
        Assert.Contains(secondRun.Of<DiagnosticEvent>(), d => d.Level == DiagnosticLevel.Warning && d.Message.Contains("sent as a new transfer") && d.Message.Contains(oldTransfer.ToString("N")));
        Assert.Contains(ChunksOnTopic(topic), c => c.Kind == MessageKind.Abort && c.TransferId == oldTransfer);
        var received = await ReceiveOnceAsync(topic, files.PathOf("inbox"), path, "ledger.db");
        Assert.Contains(received.Of<DiagnosticEvent>(), d => d.Message.Contains($"abandoned 'ledger.db' (transfer {oldTransfer:N})"));
    }

    [Theory]
    [InlineData(Distribution.Chunk)]
    [InlineData(Distribution.File)]
    public async Task A_resumed_attempt_sends_only_the_missing_chunks_each_on_its_first_attempt_partition_in_index_order(Distribution distribution)
    {
        using var files = new TestFiles();
        var path = files.Write("outbox/map.tif", 10 * Chunk + 123, 4);
        var content = File.ReadAllBytes(path);
        // The first attempt rotated over 3 partitions from partition 2 and had chunks 0-4 acknowledged; the topic has grown to 5 since.
        var topic = kafka.NewTopic(partitions: 5);
        var store = new ResumeStore(files.PathOf("state/resume"));
        var chunks = new AcknowledgedChunks(11, Chunk, content.Length);
        for (var index = 0; index < 5; index++)
        {
            chunks.Remember(index, AcknowledgedChunks.Fingerprint(content.AsSpan(index * Chunk, Chunk)));
            chunks.Acknowledge(index);
        }
        var key = new ResumeKey(topic, Settings.BootstrapServers, "test-sender", path);
        var saved = ResumeState.NewTransfer(key, "map.tif", content.Length, File.GetLastWriteTimeUtc(path), Chunk, distribution, firstPartition: 2, partitionCount: 3).WithAcknowledged(chunks);
        store.Save(saved);
        var transfer = saved.TransferId;

        var sent = await SendOnceAsync(Options(topic, store.Folder) with { Distribution = Distribution.Chunk }, new SendRequest(path, "map.tif"), new RecordingEventSink());

        Assert.Equal(transfer, sent.TransferId);
        Assert.Equal(2, sent.Attempt);
        Assert.Equal(5L * Chunk, sent.ResumedBytes);
        Assert.Equal(content.Length - 5L * Chunk, sent.SentBytes);
        Assert.Equal(TestFiles.Md5Of(path), sent.Md5);
        var onTopic = ChunksOnTopic(topic, expected: 6);
        Assert.Equal(new[] { 5, 6, 7, 8, 9, 10 }, onTopic.Select(c => c.ChunkIndex).OrderBy(i => i));
        Assert.All(onTopic, c =>
        {
            Assert.Equal(transfer, c.TransferId);
            Assert.Equal(distribution == Distribution.Chunk ? (2 + c.ChunkIndex) % 3 : 2, c.Partition);
            Assert.Equal(3, c.Partitions);
            Assert.Equal(2, c.Attempt);
            Assert.Equal(distribution == Distribution.Chunk, c.SpansPartitions);
        });
        Assert.All(onTopic.GroupBy(c => c.Partition), p => Assert.Equal(p.OrderBy(c => c.Offset).Select(c => c.ChunkIndex), p.Select(c => c.ChunkIndex).OrderBy(i => i)));
        Assert.Equal(sent.Md5, Assert.Single(onTopic, c => c.Md5 is not null).Md5);
        Assert.Equal(10, onTopic.Single(c => c.Md5 is not null).ChunkIndex);
    }

    [Fact]
    public async Task A_send_cancelled_part_way_sends_no_abort_and_the_next_run_resumes_it()
    {
        using var files = new TestFiles();
        var (request, topic, resume) = NewCase(files, "clip.mov", 5);
        var path = request.FullPath;
        var firstRun = new RecordingEventSink();
        using (var cancel = new CancellationTokenSource())
        using (var sender = await FileSender.ConnectAsync(Options(topic, resume) with { MaxBytesPerSecond = 1024 * 1024 }, firstRun, CancellationToken.None))
        {
            var sending = sender.SendAsync(request, cancel.Token);
            await WaitUntilAsync(() => AcknowledgedBytes(firstRun) >= Length / 3, "a third of the file acknowledged");
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
        }
        var saved = new ResumeStore(resume).Load(new ResumeKey(topic, Settings.BootstrapServers, "test-sender", path), out _);
        Assert.NotNull(saved);
        Assert.True(saved.AcknowledgedBytes >= Length / 3, $"{saved.AcknowledgedBytes} bytes saved as acknowledged");

        var sent = await SendOnceAsync(Options(topic, resume), request, new RecordingEventSink());

        Assert.Equal(saved.TransferId, sent.TransferId);
        Assert.Equal(saved.AcknowledgedBytes, sent.ResumedBytes);
        Assert.Equal(Length, sent.ResumedBytes + sent.SentBytes);
        Assert.DoesNotContain(ChunksOnTopic(topic), c => c.Kind == MessageKind.Abort);
        await ReceiveOnceAsync(topic, files.PathOf("inbox"), path, "clip.mov");
    }

    [Fact]
    public async Task A_transfer_last_saved_longer_ago_than_receivers_wait_for_it_is_sent_anew_and_the_old_one_discarded()
    {
        using var files = new TestFiles();
        var (request, topic, resume) = NewCase(files, "old.bin", 6);
        var path = request.FullPath;
        var (_, firstRun) = await SendUntilKafkaGoesAwayAsync(Options(topic, resume), request);
        var oldTransfer = firstRun.Of<ProgressEvent>()[0].Progress.TransferId;
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        var secondRun = new RecordingEventSink();
        var sent = await SendOnceAsync(Options(topic, resume) with { ResumeWithin = TimeSpan.FromSeconds(1) }, request, secondRun);

        Assert.NotEqual(oldTransfer, sent.TransferId);
        Assert.Equal(0, sent.ResumedBytes);
        Assert.Contains(secondRun.Of<DiagnosticEvent>(), d => d.Level == DiagnosticLevel.Warning && d.Message.Contains("receivers give up an incomplete transfer"));
        Assert.Contains(ChunksOnTopic(topic), c => c.Kind == MessageKind.Abort && c.TransferId == oldTransfer);
    }

    /// <summary>
    /// Sends at 512 KiB/s with a 3 s -Timeout until a third of the file is acknowledged, then takes every broker down
    /// until the send gives up; brings them back before returning.
    /// </summary>
    private async Task<(StreamsendException Error, RecordingEventSink Events)> SendUntilKafkaGoesAwayAsync(SendOptions options, SendRequest request)
    {
        var events = new RecordingEventSink();
        using var sender = await FileSender.ConnectAsync(options with { DeliveryTimeout = TimeSpan.FromSeconds(3), MaxBytesPerSecond = 512 * 1024 }, events, CancellationToken.None);
        var sending = sender.SendAsync(request, CancellationToken.None);
        await WaitUntilAsync(() => AcknowledgedBytes(events) >= Length / 3, "a third of the file acknowledged");
        kafka.Cluster.SetBrokerDown(MockKafkaCluster.AllBrokers);
        try
        {
            return (await Assert.ThrowsAsync<StreamsendException>(() => sending), events);
        }
        finally
        {
            kafka.Cluster.SetBrokerUp(MockKafkaCluster.AllBrokers);
        }
    }

    private static async Task<SentFile> SendOnceAsync(SendOptions options, SendRequest request, RecordingEventSink events)
    {
        using var sender = await FileSender.ConnectAsync(options, events, CancellationToken.None);
        return await sender.SendAsync(request, CancellationToken.None);
    }

    private static long AcknowledgedBytes(RecordingEventSink events) =>
        events.Of<ProgressEvent>().Select(p => p.Progress.BytesDone).DefaultIfEmpty(0).Max();

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"waited 30 s for {what}");
            await Task.Delay(50);
        }
    }

    /// <summary>Receives the topic from its start: exactly one file lands, without failures, with the source's bytes.</summary>
    private async Task<RecordingEventSink> ReceiveOnceAsync(string topic, string inbox, string source, string relativePath)
    {
        var events = new RecordingEventSink();
        var options = TransferHarness.ReceiveOptions(Settings, topic, inbox, null);
        var summary = await FileReceiver.RunAsync(options, events, CancellationToken.None);
        await options.Sink.DisposeAsync();
        Assert.Equal(1, summary.FilesLanded);
        Assert.Empty(events.Failures);
        Assert.Equal(new Dictionary<string, string> { [relativePath] = TestFiles.Md5Of(source) }, TestFiles.Hashes(inbox));
        return events;
    }

    private IReadOnlyList<ChunkOnTopic> ChunksOnTopic(string topic, int expected = 1) =>
        MockKafkaClients.ReadMessagesToEnd(kafka.Cluster.BootstrapServers, topic, expected, TimeSpan.FromSeconds(30))
            .Select(m => (Message: m, Header: WireCodec.Decode(m.Message.Headers, m.Message.Value?.Length ?? 0).Header!))
            .Select(m => new ChunkOnTopic(m.Header.Kind, m.Header.TransferId, m.Header.ChunkIndex, m.Message.Partition.Value, m.Message.Offset.Value, m.Header.Partitions, m.Header.Attempt, m.Header.SpansPartitions, m.Header.Md5))
            .ToList();

    private sealed record ChunkOnTopic(MessageKind Kind, Guid TransferId, int ChunkIndex, int Partition, long Offset, int? Partitions, int Attempt, bool SpansPartitions, string? Md5);
}
