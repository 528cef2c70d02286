namespace Streamsend.Engine.Kafka;

/// <summary>
/// How to reach the cluster: bootstrap servers plus any librdkafka properties the user gave (SASL, TLS, tuning).
/// User properties win over Streamsend's defaults, except the few the engine's guarantees depend on.
/// </summary>
public sealed record KafkaSettings(string BootstrapServers, IReadOnlyDictionary<string, string> Properties)
{
    /// <summary>How long to wait for any broker to answer before failing with a message naming the servers.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public static KafkaSettings For(string bootstrapServers) => new(bootstrapServers, new Dictionary<string, string>());
}
