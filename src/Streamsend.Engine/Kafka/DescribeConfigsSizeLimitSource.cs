using System.Globalization;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Streamsend.Engine.Events;

namespace Streamsend.Engine.Kafka;

/// <summary>
/// Asks the cluster: the topic's effective max.message.bytes first (it includes broker defaults and overrides),
/// then a broker's message.max.bytes, then falls back to Kafka's default. Permission errors are not fatal:
/// many clusters deny DescribeConfigs to producers, and the too-large fallback in the sender still protects them.
/// </summary>
public sealed class DescribeConfigsSizeLimitSource : IMessageSizeLimitSource
{
    private readonly IAdminClient admin;
    private readonly IEngineEventSink events;
    private readonly TimeSpan timeout;

    public DescribeConfigsSizeLimitSource(IAdminClient admin, IEngineEventSink events, TimeSpan timeout)
    {
        this.admin = admin;
        this.events = events;
        this.timeout = timeout;
    }

    public async Task<MessageSizeLimit> GetAsync(string topic, int anyBrokerId, CancellationToken cancellationToken)
    {
        var fromTopic = await TryDescribeAsync(ResourceType.Topic, topic, "max.message.bytes", cancellationToken).ConfigureAwait(false);
        if (fromTopic is { } topicBytes)
        {
            return new MessageSizeLimit(topicBytes, MessageSizeLimitSource.Topic);
        }
        var fromBroker = await TryDescribeAsync(ResourceType.Broker, anyBrokerId.ToString(CultureInfo.InvariantCulture), "message.max.bytes", cancellationToken).ConfigureAwait(false);
        if (fromBroker is { } brokerBytes)
        {
            return new MessageSizeLimit(brokerBytes, MessageSizeLimitSource.Broker);
        }
        events.Verbose($"Could not read the message size limit of '{topic}'; assuming Kafka's default of {MessageSizeLimit.Default.Bytes} bytes.");
        return MessageSizeLimit.Default;
    }

    private async Task<int?> TryDescribeAsync(ResourceType type, string name, string key, CancellationToken cancellationToken)
    {
        try
        {
            var describe = admin.DescribeConfigsAsync(
                new[] { new ConfigResource { Type = type, Name = name } },
                new DescribeConfigsOptions { RequestTimeout = timeout });
            var finished = await Task.WhenAny(describe, Task.Delay(timeout + TimeSpan.FromSeconds(1), cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (finished != describe)
            {
                events.Verbose($"DescribeConfigs for {type} '{name}' got no answer within {timeout.TotalSeconds:0.#} s.");
                return null;
            }
            var results = await describe.ConfigureAwait(false);
            if (results.Count > 0 && results[0].Entries.TryGetValue(key, out var entry)
                && int.TryParse(entry.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) && bytes > 0)
            {
                return bytes;
            }
            return null;
        }
        catch (KafkaException e)
        {
            events.Verbose($"DescribeConfigs for {type} '{name}' failed: {e.Error.Reason} ({e.Error.Code}).");
            return null;
        }
    }
}
