namespace Streamsend.Engine.Kafka;

/// <summary>The largest message the topic accepts, and where that number came from (shown by Get-StreamTopicInfo).</summary>
public sealed record MessageSizeLimit(int Bytes, MessageSizeLimitSource Source)
{
    /// <summary>Kafka's own default when nothing can be asked (the broker's message.max.bytes default is 1048588; librdkafka's 1000000).</summary>
    public static readonly MessageSizeLimit Default = new(1_000_000, MessageSizeLimitSource.Default);
}

public enum MessageSizeLimitSource
{
    /// <summary>The topic's max.message.bytes (DescribeConfigs on the topic).</summary>
    Topic,

    /// <summary>The broker's message.max.bytes (DescribeConfigs on a broker).</summary>
    Broker,

    /// <summary>Neither could be read (no DescribeConfigs permission, or a broker that does not answer it).</summary>
    Default,

    /// <summary>The user set -ChunkSize.</summary>
    User,
}
