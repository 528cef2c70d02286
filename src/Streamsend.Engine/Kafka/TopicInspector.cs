using Confluent.Kafka;
using Streamsend.Engine.Events;
using Streamsend.Engine.Sending;

namespace Streamsend.Engine.Kafka;

/// <summary>Gathers <see cref="StreamTopicInfo"/>: metadata, the message size limit and each partition's watermarks.</summary>
public static class TopicInspector
{
    public static async Task<StreamTopicInfo> DescribeAsync(
        KafkaSettings settings,
        string topic,
        IEngineEventSink events,
        TimeSpan sizeLimitLookupTimeout,
        IMessageSizeLimitSource? sizeLimitSource,
        CancellationToken cancellationToken)
    {
        using var admin = KafkaClients.Admin(settings, events);
        var layout = await Task.Run(() => TopicMetadataReader.Read(admin, settings, topic), cancellationToken).ConfigureAwait(false);
        var limit = await (sizeLimitSource ?? new DescribeConfigsSizeLimitSource(admin, events, sizeLimitLookupTimeout))
            .GetAsync(topic, layout.Brokers[0].Id, cancellationToken).ConfigureAwait(false);
        var watermarks = await Task.Run(() => ReadWatermarks(settings, layout, events), cancellationToken).ConfigureAwait(false);
        return new StreamTopicInfo(
            topic,
            layout.PartitionCount,
            layout.ReplicationFactor,
            layout.Brokers,
            limit.Bytes,
            limit.Source,
            ChunkSizing.FromMessageLimit(limit.Bytes),
            watermarks);
    }

    private static List<PartitionWatermarks> ReadWatermarks(KafkaSettings settings, TopicLayout layout, IEngineEventSink events)
    {
        // Watermark queries need a consumer handle; it never subscribes or joins a group.
        var defaults = new Dictionary<string, string> { ["group.id"] = "streamsend-inspect", ["enable.auto.commit"] = "false" };
        using var consumer = KafkaClients.Consumer(settings, defaults, events);
        return layout.Partitions.Select(p =>
        {
            var marks = consumer.QueryWatermarkOffsets(new TopicPartition(layout.Topic, new Partition(p.Id)), settings.ConnectTimeout);
            return new PartitionWatermarks(p.Id, p.Leader, p.Replicas, p.InSyncReplicas, marks.Low.Value, marks.High.Value);
        }).ToList();
    }
}
