namespace Streamsend.Engine.Kafka;

/// <summary>Finds a topic's message size limit. The seam exists because test brokers do not answer DescribeConfigs.</summary>
public interface IMessageSizeLimitSource
{
    Task<MessageSizeLimit> GetAsync(string topic, int anyBrokerId, CancellationToken cancellationToken);
}
