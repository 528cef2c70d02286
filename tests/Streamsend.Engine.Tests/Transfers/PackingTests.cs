using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Confluent.Kafka;
using Streamsend.Engine.Events;
using Streamsend.Engine.Receiving;
using Streamsend.Engine.Sending;
using Streamsend.Engine.Tests.MockKafka;
using Streamsend.Engine.Tests.Support;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Tests.Transfers;

public sealed class PackingTests : IClassFixture<MockClusterFixture>
{
    private const int Chunk = 256 * 1024;
    private readonly MockClusterFixture kafka;

    public PackingTests(MockClusterFixture kafka) => this.kafka = kafka;

    [Fact]
    public async Task A_mixed_tree_of_small_and_large_files_round_trips_bit_perfect_with_the_small_ones_packed()
    {
        using var files = new TestFiles();
        var random = new Random(5);
        for (var i = 0; i < 300; i++)
        {
            if (i % 2 == 0)
            {
                files.WriteText($"outbox/receipts/store-{i % 7}/r-{i}.txt", string.Concat(Enumerable.Repeat($"receipt {i} total 12.{i % 100:00} EUR\n", random.Next(1, 400))));
            }
            else
            {
                files.Write($"outbox/receipts/store-{i % 7}/r-{i}.txt", random.Next(1, 16 * 1024), i);
            }
        }
        files.Write("outbox/empty.dat", 0);
        files.Write("outbox/video/big-1.mp4", 3 * Chunk + 11, 1000);
        files.Write("outbox/video/big-2.mp4", Chunk, 1001);
        var topic = kafka.NewTopic();

        var (summary, sent, received) = await TransferHarness.SendWhileReceivingAsync(
            TransferHarness.SendOptions(kafka.Settings, topic, Chunk),
            SourceTree.Expand(files.PathOf("outbox"), null),
            TransferHarness.ReceiveOptions(kafka.Settings, topic, files.PathOf("inbox"), 303));

        Assert.Empty(sent.Failures);
        Assert.Empty(received.Failures);
        Assert.Equal(303, summary.FilesLanded);
        Assert.Equal(TestFiles.Hashes(files.PathOf("outbox")), TestFiles.Hashes(files.PathOf("inbox")));
        var byPath = sent.Of<FileSentEvent>().ToDictionary(e => e.File.RelativePath, e => e.File);
        Assert.Equal(301, byPath.Values.Count(f => f.Packed));
        Assert.False(byPath["video/big-1.mp4"].Packed);
        Assert.True(byPath["empty.dat"].Packed);
        var messages = await CountMessagesAsync(topic);
        Assert.True(messages < 30, $"{messages} messages carried 303 files");
    }

    [Fact]
    public async Task Several_packing_workers_send_every_small_file_exactly_once_bit_perfect_with_at_most_one_part_filled_pack_each()
    {
        const int fileCount = 400;
        const int workers = 4;
        using var files = new TestFiles();
        var random = new Random(11);
        for (var i = 0; i < fileCount; i++)
        {
            if (i % 2 == 0)
            {
                files.WriteText($"outbox/scans/batch-{i % 9}/s-{i}.txt", string.Concat(Enumerable.Repeat($"scan {i} page {i % 13} ok\n", random.Next(1, 800))));
            }
            else
            {
                files.Write($"outbox/scans/batch-{i % 9}/s-{i}.bin", random.Next(1, 16 * 1024), i);
            }
        }
        var topic = kafka.NewTopic();

        var (summary, sent, received) = await TransferHarness.SendWhileReceivingAsync(
            TransferHarness.SendOptions(kafka.Settings, topic, Chunk) with { ThrottleLimit = workers },
            SourceTree.Expand(files.PathOf("outbox"), null),
            TransferHarness.ReceiveOptions(kafka.Settings, topic, files.PathOf("inbox"), fileCount));

        Assert.Empty(sent.Failures);
        Assert.Empty(received.Failures);
        Assert.Equal(fileCount, summary.FilesLanded);
        var source = TestFiles.Hashes(files.PathOf("outbox"));
        Assert.Equal(source, TestFiles.Hashes(files.PathOf("inbox")));
        var reported = sent.Of<FileSentEvent>().Select(e => e.File).ToList();
        Assert.All(reported, file => Assert.True(file.Packed));
        Assert.Equal(source.Keys.Order(), reported.Select(file => file.RelativePath).Order());
        var messages = MockKafkaClients.ReadMessagesToEnd(kafka.Settings.BootstrapServers, topic, 1, TimeSpan.FromSeconds(30));
        var carried = messages.SelectMany(m => PackBody.Read(m.Message.Value, WireCodec.Decode(m.Message.Headers, m.Message.Value.Length).Pack!, new()).Select(e => e.RelativePath));
        Assert.Equal(source.Keys.Order(), carried.Order());
        // One worker fills every pack but its last; each further worker may end with one more part-filled pack.
        var ideal = (int)Math.Ceiling(messages.Sum(m => (double)m.Message.Value.Length) / Chunk);
        Assert.True(messages.Count <= ideal + workers, $"{messages.Count} messages where the compressed bytes fill {ideal}");
    }

    [Fact]
    public async Task A_small_file_is_sent_without_waiting_for_more_files_to_fill_its_pack_while_the_input_stays_open()
    {
        using var files = new TestFiles();
        var topic = kafka.NewTopic();
        var sent = new RecordingEventSink();
        using var sender = await FileSender.ConnectAsync(TransferHarness.SendOptions(kafka.Settings, topic, Chunk), sent, CancellationToken.None);
        // Open like a -Watch run's input: nothing tells the packer that no more files will come.
        var requests = Channel.CreateUnbounded<SendRequest>();
        var sending = sender.SendAllAsync(requests.Reader, CancellationToken.None);

        foreach (var name in new[] { "first.txt", "second.txt" })
        {
            requests.Writer.TryWrite(new SendRequest(files.WriteText($"outbox/{name}", $"receipt {name}\n"), name));
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!sent.Of<FileSentEvent>().Any(e => e.File.RelativePath == name) && DateTime.UtcNow < deadline && !sending.IsCompleted)
            {
                await Task.Delay(50);
            }
            Assert.Contains(name, sent.Of<FileSentEvent>().Select(e => e.File.RelativePath));
        }
        requests.Writer.Complete();
        await sending;

        Assert.Empty(sent.Failures);
        var packs = MockKafkaClients.ReadMessagesToEnd(kafka.Settings.BootstrapServers, topic, 2, TimeSpan.FromSeconds(30));
        Assert.Equal(2, packs.Count);
        Assert.All(packs, p => Assert.NotNull(WireCodec.Decode(p.Message.Headers, p.Message.Value.Length).Pack));
    }

    [Fact]
    public async Task Packs_awaiting_acknowledgement_stay_at_most_sixteen_across_all_packing_workers()
    {
        using var files = new TestFiles();
        var requests = Channel.CreateUnbounded<SendRequest>();
        for (var i = 0; i < 100; i++)
        {
            requests.Writer.TryWrite(new SendRequest(files.Write($"r-{i}.bin", 3000, i), $"r-{i}.bin"));
        }
        requests.Writer.Complete();
        var gate = new object();
        var awaiting = 0;
        var mostAwaiting = 0;
        async Task SlowKafka(int partition, PackHeader pack, byte[] value)
        {
            lock (gate)
            {
                mostAwaiting = Math.Max(mostAwaiting, ++awaiting);
            }
            await Task.Delay(30);
            lock (gate)
            {
                awaiting--;
            }
        }
        var sent = new RecordingEventSink();
        // Random 3,000-byte files and 4,096-byte packs: one file a pack, so 100 packs.
        var packer = new SmallFilePacker(SlowKafka, partitionCount: 4, capacity: 4096, TransferHarness.SendOptions(kafka.Settings, "unused", 4096) with { ThrottleLimit = 8 }, sent, bandwidth: null);

        await packer.RunAsync(requests.Reader, CancellationToken.None);

        Assert.Empty(sent.Failures);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"r-{i}.bin").Order(), sent.Of<FileSentEvent>().Select(e => e.File.RelativePath).Order());
        Assert.InRange(mostAwaiting, 2, 16);
    }

    [Fact]
    public async Task A_corrupted_packed_entry_is_reported_and_not_landed_while_its_neighbours_land()
    {
        using var files = new TestFiles();
        var topic = kafka.NewTopic(partitions: 1);
        var body = new MemoryStream();
        var contents = new[] { "first receipt", "second receipt", "third receipt" };
        for (var i = 0; i < contents.Length; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(contents[i]);
            var md5 = Convert.ToHexString(MD5.HashData(i == 1 ? Encoding.UTF8.GetBytes("something else") : bytes)).ToLowerInvariant();
            PackBody.WriteEntry(body, Guid.NewGuid(), $"receipts/{i}.txt", DateTimeOffset.UtcNow, md5, bytes);
        }
        using (var raw = new RawProducer(kafka.Settings))
        {
            var pack = new PackHeader(Guid.NewGuid(), "raw", contents.Length, PackCompression.None);
            await raw.ProduceAsync(topic, 0, WireCodec.Key(pack.PackId), body.ToArray(), WireCodec.EncodePack(pack));
        }
        var received = new RecordingEventSink();

        var summary = await FileReceiver.RunAsync(TransferHarness.ReceiveOptions(kafka.Settings, topic, files.PathOf("inbox"), null), received, CancellationToken.None);

        Assert.Equal(2, summary.FilesLanded);
        var failure = Assert.Single(received.Failures);
        Assert.Equal("ChecksumMismatch", failure.ErrorId);
        Assert.Contains("1.txt", failure.Message);
        Assert.Equal(new[] { "receipts/0.txt", "receipts/2.txt" }, TestFiles.Hashes(files.PathOf("inbox")).Keys.OrderBy(k => k));
    }

    [Fact]
    public void Content_that_does_not_shrink_is_stored_not_made_bigger()
    {
        using var builder = new PackBuilder(1024 * 1024);
        var random = new byte[100_000];
        new Random(1).NextBytes(random);
        builder.Add(new PackMember(new SendRequest("/x", "x.bin"), Guid.NewGuid(), random.Length, DateTimeOffset.UtcNow, new string('0', 32)), random);

        var (value, compression) = builder.Finish();

        Assert.Equal(PackCompression.None, compression);
        Assert.True(value.Length < random.Length + 512);
    }

    [Fact]
    public void Text_is_compressed_and_reads_back_entry_by_entry()
    {
        using var builder = new PackBuilder(1024 * 1024);
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("policy document line\n", 2000)));
        var md5 = Convert.ToHexString(MD5.HashData(text)).ToLowerInvariant();
        builder.Add(new PackMember(new SendRequest("/p", "p.txt"), Guid.NewGuid(), text.Length, DateTimeOffset.UtcNow, md5), text);
        builder.Add(new PackMember(new SendRequest("/q", "dir/q.txt"), Guid.NewGuid(), text.Length, DateTimeOffset.UtcNow, md5), text);

        var (value, compression) = builder.Finish();
        var rejected = new List<(string, string)>();
        var entries = PackBody.Read(value, new PackHeader(Guid.NewGuid(), "s", 2, compression), rejected);

        Assert.Equal(PackCompression.Deflate, compression);
        Assert.True(value.Length < text.Length / 10);
        Assert.Empty(rejected);
        Assert.Equal(new[] { "p.txt", "dir/q.txt" }, entries.Select(e => e.RelativePath));
        Assert.All(entries, e => Assert.Equal(text, e.Content.ToArray()));
    }

    private async Task<long> CountMessagesAsync(string topic)
    {
        var info = await Streamsend.Engine.Kafka.TopicInspector.DescribeAsync(kafka.Settings, topic, new RecordingEventSink(), TimeSpan.FromSeconds(5), null, CancellationToken.None);
        return info.PartitionDetails.Sum(p => p.High);
    }
}
