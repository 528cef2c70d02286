using Confluent.Kafka;

namespace Streamsend.Engine.Kafka;

/// <summary>
/// Reads a topic's layout, failing with errors a user can act on: no broker answering (naming the servers)
/// and an unknown topic are distinguished from each other and from other failures.
/// </summary>
public static class TopicMetadataReader
{
    public static TopicLayout Read(IAdminClient admin, KafkaSettings settings, string topic)
    {
        Metadata metadata;
        try
        {
            metadata = admin.GetMetadata(topic, settings.ConnectTimeout);
        }
        catch (KafkaException e)
        {
            throw NoBrokerAnswered(settings, e);
        }
        if (metadata.Brokers.Count == 0)
        {
            throw NoBrokerAnswered(settings, null);
        }
        var topicMetadata = metadata.Topics.FirstOrDefault(t => t.Topic == topic);
        if (topicMetadata is null || topicMetadata.Error.Code is ErrorCode.UnknownTopicOrPart || (topicMetadata.Error.Code == ErrorCode.NoError && topicMetadata.Partitions.Count == 0))
        {
            throw new StreamsendException(
                "TopicNotFound",
                ErrorKind.NotFound,
                $"Topic '{topic}' does not exist on {settings.BootstrapServers}. Create it first (for example with kafka-topics.sh --create --topic {topic} --partitions 6), or check the name.",
                topic);
        }
        if (topicMetadata.Error.Code is ErrorCode.TopicAuthorizationFailed)
        {
            throw new StreamsendException(
                "TopicAuthorizationFailed",
                ErrorKind.SecurityError,
                $"Not authorized to use topic '{topic}' on {settings.BootstrapServers}. Ask for Describe, Read and Write ACLs on it.",
                topic);
        }
        if (topicMetadata.Error.Code != ErrorCode.NoError)
        {
            throw new StreamsendException(
                "TopicMetadataFailed",
                ErrorKind.ResourceUnavailable,
                $"Topic '{topic}' on {settings.BootstrapServers} is not usable now: {topicMetadata.Error.Reason} ({topicMetadata.Error.Code}).",
                topic);
        }
        var partitions = topicMetadata.Partitions
            .OrderBy(p => p.PartitionId)
            .Select(p => new PartitionLayout(p.PartitionId, p.Leader, p.Replicas, p.InSyncReplicas))
            .ToList();
        var brokers = metadata.Brokers
            .OrderBy(b => b.BrokerId)
            .Select(b => new BrokerAddress(b.BrokerId, b.Host, b.Port))
            .ToList();
        return new TopicLayout(topic, partitions, brokers);
    }

    private static StreamsendException NoBrokerAnswered(KafkaSettings settings, KafkaException? cause) =>
        new(
            "NoBrokerAnswered",
            ErrorKind.ConnectionError,
            $"No Kafka broker answered at {settings.BootstrapServers} within {settings.ConnectTimeout.TotalSeconds:0} s" +
            (cause is null ? "." : $" ({cause.Error.Reason}).") +
            " Check the servers, the network path and the security settings (-Config).",
            settings.BootstrapServers,
            cause);
}
