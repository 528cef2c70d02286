namespace Streamsend.Engine.Kafka;

/// <summary>A topic's partitions and the brokers that lead them, as the cluster's metadata says.</summary>
public sealed record TopicLayout(string Topic, IReadOnlyList<PartitionLayout> Partitions, IReadOnlyList<BrokerAddress> Brokers)
{
    public int PartitionCount => Partitions.Count;

    public int ReplicationFactor => Partitions.Count == 0 ? 0 : Partitions.Max(p => p.Replicas.Count);
}

public sealed record PartitionLayout(int Id, int Leader, IReadOnlyList<int> Replicas, IReadOnlyList<int> InSyncReplicas);

public sealed record BrokerAddress(int Id, string Host, int Port)
{
    public override string ToString() => $"{Host}:{Port} (id {Id})";
}
