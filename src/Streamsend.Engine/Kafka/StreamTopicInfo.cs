namespace Streamsend.Engine.Kafka;

/// <summary>What Get-StreamTopicInfo reports: layout, limits and the chunk size Send-StreamFile would use.</summary>
public sealed record StreamTopicInfo(
    string Topic,
    int Partitions,
    int ReplicationFactor,
    IReadOnlyList<BrokerAddress> Brokers,
    int MaxMessageBytes,
    MessageSizeLimitSource MaxMessageBytesSource,
    int ChunkSize,
    IReadOnlyList<PartitionWatermarks> PartitionDetails)
{
    /// <summary>Messages retained across all partitions (high minus low watermarks).</summary>
    public long RetainedMessages => PartitionDetails.Sum(p => p.High - p.Low);
}

public sealed record PartitionWatermarks(int Partition, int Leader, IReadOnlyList<int> Replicas, IReadOnlyList<int> InSyncReplicas, long Low, long High);
