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
/// <remarks>
/// Both questions go out at once. A broker that does not support DescribeConfigs at all says so at once, while the
/// topic question would wait for a controller until the timeout; so that answer ends the wait.
/// </remarks>
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
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        giveUp.CancelAfter(timeout);
        var fromTopic = DescribeAsync(ResourceType.Topic, topic, "max.message.bytes", giveUp.Token);
        var fromBroker = DescribeAsync(ResourceType.Broker, anyBrokerId.ToString(CultureInfo.InvariantCulture), "message.max.bytes", giveUp.Token);
        var brokerAnswer = await fromBroker.ConfigureAwait(false);
        if (brokerAnswer.Unsupported)
        {
            giveUp.Cancel();
        }
        var topicAnswer = await fromTopic.ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (topicAnswer.Bytes is { } topicBytes)
        {
            return new MessageSizeLimit(topicBytes, MessageSizeLimitSource.Topic);
        }
        if (brokerAnswer.Bytes is { } brokerBytes)
        {
            return new MessageSizeLimit(brokerBytes, MessageSizeLimitSource.Broker);
        }
        events.Verbose($"Could not read the message size limit of '{topic}'; assuming Kafka's default of {MessageSizeLimit.Default.Bytes} bytes.");
        return MessageSizeLimit.Default;
    }

    private async Task<Answer> DescribeAsync(ResourceType type, string name, string key, CancellationToken giveUp)
    {
        try
        {
            var describe = admin.DescribeConfigsAsync(
                new[] { new ConfigResource { Type = type, Name = name } },
                new DescribeConfigsOptions { RequestTimeout = timeout });
            var results = await describe.WaitAsync(giveUp).ConfigureAwait(false);
            if (results.Count > 0 && results[0].Entries.TryGetValue(key, out var entry)
                && int.TryParse(entry.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) && bytes > 0)
            {
                return new Answer(bytes, Unsupported: false);
            }
            return new Answer(null, Unsupported: false);
        }
        catch (OperationCanceledException)
        {
            events.Verbose($"DescribeConfigs for {type} '{name}' got no answer in time.");
            return new Answer(null, Unsupported: false);
        }
        catch (KafkaException e)
        {
            events.Verbose($"DescribeConfigs for {type} '{name}' failed: {e.Error.Reason} ({e.Error.Code}).");
            return new Answer(null, e.Error.Code is ErrorCode.Local_UnsupportedFeature or ErrorCode.UnsupportedVersion);
        }
    }

    private readonly record struct Answer(int? Bytes, bool Unsupported);
}
