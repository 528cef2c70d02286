using System.Diagnostics;
using Streamsend.Engine.Kafka;
using Streamsend.Engine.Sending;
using Streamsend.Engine.Tests.Support;

namespace Streamsend.Engine.Tests.Kafka;

public sealed class TopicDiscoveryTests : IClassFixture<MockClusterFixture>
{
    private readonly MockClusterFixture kafka;

    public TopicDiscoveryTests(MockClusterFixture kafka) => this.kafka = kafka;

    [Fact]
    public async Task The_topic_layout_and_a_size_limit_with_its_source_are_discovered()
    {
        var topic = kafka.NewTopic(partitions: 5);
        var events = new RecordingEventSink();
        var watch = Stopwatch.StartNew();

        var info = await TopicInspector.DescribeAsync(kafka.Settings, topic, events, TimeSpan.FromSeconds(10), null, CancellationToken.None);

        Assert.Equal(5, info.Partitions);
        Assert.Equal(3, info.Brokers.Count);
        Assert.Equal(ChunkSizing.FromMessageLimit(info.MaxMessageBytes), info.ChunkSize);
        Assert.All(info.PartitionDetails, p => Assert.Equal(0, p.High));
        // A broker without DescribeConfigs says so at once; the lookup does not sit out its 10 s timeout.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        Assert.Equal(MessageSizeLimitSource.Default, info.MaxMessageBytesSource);

    }

    [Fact]
    public async Task The_size_limit_source_seam_decides_the_chunk_size()
    {
        var topic = kafka.NewTopic();
        var events = new RecordingEventSink();
        var options = TransferHarness.SendOptions(kafka.Settings, topic, 0) with { ChunkSize = null, SizeLimitSource = new FixedLimit(new MessageSizeLimit(2_000_000, MessageSizeLimitSource.Topic)) };

        using var sender = await FileSender.ConnectAsync(options, events, CancellationToken.None);

        Assert.Equal(1_900_000, sender.ChunkSize);
        Assert.Equal(MessageSizeLimitSource.Topic, sender.SizeLimit.Source);
    }

    [Fact]
    public async Task An_unknown_topic_is_a_clear_error_naming_it()
    {
        // The mock creates any topic it is asked about, as brokers with auto.create.topics.enable do; this one answers as a real broker does for a missing topic.
        var options = TransferHarness.SendOptions(kafka.Settings, "no-such-topic-" + Guid.NewGuid().ToString("N"), 1024);
        kafka.Cluster.SetTopicError(options.Topic, Confluent.Kafka.ErrorCode.UnknownTopicOrPart);
        var error = await Assert.ThrowsAsync<StreamsendException>(() => FileSender.ConnectAsync(options, new RecordingEventSink(), CancellationToken.None));
        Assert.Equal("TopicNotFound", error.ErrorId);
        Assert.Contains(options.Topic, error.Message);
    }

    [Fact]
    public async Task A_cluster_where_no_broker_answers_fails_in_bounded_time_naming_the_servers()
    {
        var settings = KafkaSettings.For("127.0.0.1:1") with { ConnectTimeout = TimeSpan.FromSeconds(2) };
        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<StreamsendException>(() => FileSender.ConnectAsync(TransferHarness.SendOptions(settings, "files", 1024), new RecordingEventSink(), CancellationToken.None));
        Assert.Equal("NoBrokerAnswered", error.ErrorId);
        Assert.Contains("127.0.0.1:1", error.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    private sealed class FixedLimit : IMessageSizeLimitSource
    {
        private readonly MessageSizeLimit limit;

        public FixedLimit(MessageSizeLimit limit) => this.limit = limit;

        public Task<MessageSizeLimit> GetAsync(string topic, int anyBrokerId, CancellationToken cancellationToken) => Task.FromResult(limit);
    }
}
