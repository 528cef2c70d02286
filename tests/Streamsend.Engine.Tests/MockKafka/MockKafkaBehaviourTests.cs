using Streamsend.Engine.Tests.Support;
using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Streamsend.MockKafka;
using static Streamsend.Engine.Tests.MockKafka.MockKafkaClients;

namespace Streamsend.Engine.Tests.MockKafka;

/// <summary>Where librdkafka's mock cluster differs from Kafka; engine tests over the mock depend on these.</summary>
public sealed class MockKafkaBehaviourTests
{
    [Fact]
    public void Metadata_for_an_unknown_topic_creates_it_unless_the_client_sets_allow_auto_create_topics_false()
    {
        using var cluster = MockKafkaCluster.Start();
        using var permissive = Admin(cluster.BootstrapServers);
        using var strict = Admin(cluster.BootstrapServers, allowAutoCreateTopics: false);

        var missing = strict.GetMetadata("never-made", TimeSpan.FromSeconds(5)).Topics.Single();
        // The admin client is a producer underneath, and librdkafka producers ask for auto-creation by default.
        var created = permissive.GetMetadata("made-by-asking", TimeSpan.FromSeconds(5)).Topics.Single();

        Assert.Equal(ErrorCode.UnknownTopicOrPart, missing.Error.Code);
        Assert.Empty(missing.Partitions);
        Assert.Equal(ErrorCode.NoError, created.Error.Code);
        Assert.Equal(4, created.Partitions.Count);
    }

    [Theory]
    [InlineData(ResourceType.Topic, "configured")]
    [InlineData(ResourceType.Broker, "1")]
    public async Task DescribeConfigs_is_not_implemented_and_fails_at_once_as_unsupported(ResourceType type, string name)
    {
        using var cluster = MockKafkaCluster.Start();
        cluster.CreateTopic("configured", 1, 1);
        using var admin = Admin(cluster.BootstrapServers);
        var watch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<KafkaException>(() => admin.DescribeConfigsAsync(
            new[] { new ConfigResource { Type = type, Name = name } },
            new DescribeConfigsOptions { RequestTimeout = TimeSpan.FromSeconds(10) }));

        Assert.Equal(ErrorCode.Local_UnsupportedFeature, error.Error.Code);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Without_a_controller_DescribeConfigs_for_a_topic_waits_for_one_until_its_request_timeout()
    {
        using var cluster = MockKafkaCluster.Start();
        cluster.CreateTopic("configured", 1, 1);
        cluster.SetControllerId(-1);
        using var admin = Admin(cluster.BootstrapServers);
        var watch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<KafkaException>(() => admin.DescribeConfigsAsync(
            new[] { new ConfigResource { Type = ResourceType.Topic, Name = "configured" } },
            new DescribeConfigsOptions { RequestTimeout = TimeSpan.FromSeconds(1) }));

        Assert.Equal(ErrorCode.Local_TimedOut, error.Error.Code);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(900), $"took {watch.Elapsed}");
    }

    [Fact]
    public void When_every_broker_is_down_a_metadata_request_fails_with_a_transport_error_at_its_timeout()
    {
        using var cluster = MockKafkaCluster.Start();
        cluster.SetBrokerDown(MockKafkaCluster.AllBrokers);
        using var admin = Admin(cluster.BootstrapServers);
        var watch = Stopwatch.StartNew();

        var error = Assert.Throws<KafkaException>(() => admin.GetMetadata(TimeSpan.FromSeconds(1)));

        Assert.Equal(ErrorCode.Local_Transport, error.Error.Code);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Each_partition_keeps_only_about_its_last_five_MiB()
    {
        using var cluster = MockKafkaCluster.Start(1);
        cluster.CreateTopic("small-log", 1, 1);
        using (var producer = Producer(cluster.BootstrapServers, c => c.MessageMaxBytes = 2_000_000))
        {
            for (var i = 0; i < 7; i++)
            {
                await producer.ProduceAsync("small-log", new Message<byte[], byte[]> { Value = new byte[1_000_000] });
            }
        }
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = cluster.BootstrapServers, GroupId = "watermarks" }.QuietUnderMono()).Build();

        var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition("small-log", 0), TimeSpan.FromSeconds(5));

        // A reader that falls more than ~5 MiB behind on a partition loses messages (OFFSET_OUT_OF_RANGE, then a reset).
        Assert.Equal(7, watermarks.High.Value);
        Assert.Equal(2, watermarks.Low.Value);
    }
}
