using Confluent.Kafka;
using Streamsend.Engine.Configuration;
using Streamsend.Engine.Events;
using Streamsend.Engine.Receiving;

namespace Streamsend.Engine.Kafka;

/// <summary>
/// Builds Confluent.Kafka clients with Streamsend's defaults and the user's properties, with librdkafka's log
/// routed to the event sink instead of stderr (a scheduled task's console is nobody's console).
/// </summary>
public static class KafkaClients
{
    /// <param name="onError">Also told of every client error, for callers that show why Kafka is not answering.</param>
    public static IProducer<byte[], byte[]> Producer(KafkaSettings settings, IDictionary<string, string> engineDefaults, IEngineEventSink events, Action<Error>? onError = null)
    {
        LibrdkafkaNativeLoader.EnsureInstalled();
        var redactor = new SecretRedactor(settings.Properties);
        var config = new ProducerConfig(Merge(settings, engineDefaults));
        return new ProducerBuilder<byte[], byte[]>(config)
            .SetLogHandler((_, m) => Log(events, redactor, m))
            .SetErrorHandler((_, e) =>
            {
                ClientError(events, redactor, e);
                onError?.Invoke(e);
            })
            .Build();
    }

    /// <summary>
    /// A consumer of Streamsend messages: the key only routes a message to its partition, so it is not read; every value
    /// comes in pooled memory that the caller owns and must dispose.
    /// </summary>
    public static IConsumer<Ignore, PooledBytes> Consumer(
        KafkaSettings settings,
        IDictionary<string, string> engineDefaults,
        IEngineEventSink events,
        Action<ConsumerBuilder<Ignore, PooledBytes>>? configure = null)
    {
        LibrdkafkaNativeLoader.EnsureInstalled();
        var redactor = new SecretRedactor(settings.Properties);
        var builder = new ConsumerBuilder<Ignore, PooledBytes>(new ConsumerConfig(Merge(settings, engineDefaults)))
            .SetValueDeserializer(new PooledBytesDeserializer())
            .SetLogHandler((_, m) => Log(events, redactor, m))
            .SetErrorHandler((_, e) => ClientError(events, redactor, e));
        configure?.Invoke(builder);
        return builder.Build();
    }

    public static IAdminClient Admin(KafkaSettings settings, IEngineEventSink events)
    {
        LibrdkafkaNativeLoader.EnsureInstalled();
        var redactor = new SecretRedactor(settings.Properties);
        // Looking at a topic must never create it (librdkafka's admin client asks brokers to auto-create by default).
        var defaults = new Dictionary<string, string> { ["allow.auto.create.topics"] = "false" };
        return new AdminClientBuilder(new AdminClientConfig(Merge(settings, defaults)))
            .SetLogHandler((_, m) => Log(events, redactor, m))
            .SetErrorHandler((_, e) => ClientError(events, redactor, e))
            .Build();
    }

    /// <summary>Defaults first, then the user's properties, then the bootstrap servers.</summary>
    internal static Dictionary<string, string> Merge(KafkaSettings settings, IDictionary<string, string> engineDefaults)
    {
        var merged = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["client.id"] = $"streamsend-{Environment.MachineName}",
            ["socket.keepalive.enable"] = "true",
        };
        foreach (var (key, value) in engineDefaults)
        {
            merged[key] = value;
        }
        foreach (var (key, value) in settings.Properties)
        {
            // The guarantees (nothing reported sent before every replica has it, no offset committed before its file
            // landed) rest on these: where the engine sets one, no configuration may change it.
            if (!(GuaranteeProperties.Contains(key) && engineDefaults.ContainsKey(GuaranteeProperties.Canonical(key))))
            {
                merged[key] = value;
            }
        }
        merged["bootstrap.servers"] = settings.BootstrapServers;
        return merged;
    }

    private static class GuaranteeProperties
    {
        private static readonly Dictionary<string, string> Names = new(StringComparer.Ordinal)
        {
            ["acks"] = "acks",
            ["request.required.acks"] = "acks",
            ["enable.idempotence"] = "enable.idempotence",
            ["enable.auto.commit"] = "enable.auto.commit",
            ["enable.auto.offset.store"] = "enable.auto.offset.store",
        };

        public static bool Contains(string key) => Names.ContainsKey(key);

        public static string Canonical(string key) => Names[key];
    }

    /// <summary>librdkafka's own log (debug=conf dumps every property): through the redactor before anyone sees it.</summary>
    private static void Log(IEngineEventSink events, SecretRedactor redactor, LogMessage message)
    {
        var text = redactor.Redact($"librdkafka {message.Level} {message.Facility}: {message.Message}");
        events.Post(new DiagnosticEvent(message.Level <= SyslogLevel.Warning ? DiagnosticLevel.Verbose : DiagnosticLevel.Debug, text));
    }

    /// <summary>Client errors are mostly transient (a broker restarts) and librdkafka retries them; fatal ones surface through the calls.</summary>
    private static void ClientError(IEngineEventSink events, SecretRedactor redactor, Error error) =>
        events.Verbose(redactor.Redact($"Kafka client {(error.IsFatal ? "fatal error" : "notice")}: {error.Reason} ({error.Code})"));
}
