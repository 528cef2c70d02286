using Streamsend.Engine.Events;

namespace Streamsend.Engine.Configuration;

/// <summary>
/// The one place secrets are taken out of text: knows which properties are secret, and replaces their values with
/// <see cref="Mask"/> wherever they turn up (librdkafka log lines, client errors, exception messages, config dumps).
/// Matching values rather than formats catches a secret however a library chose to quote it.
/// </summary>
public sealed class SecretRedactor
{
    public const string Mask = "********";

    /// <summary>Shorter values are not hunted in free text: a one- or two-letter password would mask every word it occurs in.</summary>
    private const int MinimumHuntedLength = 3;

    private static readonly string[] SecretKeys =
    {
        "sasl.jaas.config",
        "sasl.oauthbearer.config",
        "sasl.oauthbearer.assertion.private.key.pem",
        "ssl.key.pem",
        "basic.auth.user.info",
    };

    private readonly string[] values;

    public SecretRedactor(IEnumerable<KeyValuePair<string, string>> properties)
        : this(properties.Where(p => IsSecretKey(p.Key)).Select(p => p.Value))
    {
    }

    private SecretRedactor(IEnumerable<string> secrets)
    {
        values = secrets
            .Where(v => v.Length >= MinimumHuntedLength)
            // Longest first, so a secret that contains another is masked whole.
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(v => v.Length)
            .ToArray();
    }

    /// <summary>This redactor, masking <paramref name="secrets"/> too (a destination's keys and tokens, which are no Kafka property).</summary>
    public SecretRedactor With(IEnumerable<string> secrets) => new(values.Concat(secrets));

    public static SecretRedactor None { get; } = new(Array.Empty<KeyValuePair<string, string>>());

    public bool HasSecrets => values.Length > 0;

    /// <summary>Whether a property holds a secret: any key containing 'password' or 'secret', and the few that embed one.</summary>
    public static bool IsSecretKey(string key) =>
        key.Contains("password", StringComparison.OrdinalIgnoreCase)
        || key.Contains("secret", StringComparison.OrdinalIgnoreCase)
        || key.Contains("passphrase", StringComparison.OrdinalIgnoreCase)
        || SecretKeys.Contains(key, StringComparer.OrdinalIgnoreCase);

    /// <summary>What a property's value may be shown as.</summary>
    public static string Display(string key, string value) => IsSecretKey(key) ? Mask : value;

    public bool ContainsSecret(string? text) => text is not null && values.Any(v => text.Contains(v, StringComparison.Ordinal));

    public string Redact(string text)
    {
        foreach (var value in values)
        {
            text = text.Replace(value, Mask, StringComparison.Ordinal);
        }
        return text;
    }

    /// <summary>A failure whose message, or whose inner failures' messages, would show a secret becomes one that does not.</summary>
    public StreamsendException Redact(StreamsendException error)
    {
        if (!ContainsSecret(error.ToString()))
        {
            return error;
        }
        // The inner exception goes: its message and stack text cannot be rewritten, only dropped.
        return new StreamsendException(error.ErrorId, error.Kind, Redact(error.Message), error.Target is string target ? Redact(target) : error.Target);
    }

    /// <summary>An engine event as the host may show it.</summary>
    public EngineEvent Redact(EngineEvent engineEvent) => engineEvent switch
    {
        _ when values.Length == 0 => engineEvent,
        DiagnosticEvent diagnostic when ContainsSecret(diagnostic.Message) => diagnostic with { Message = Redact(diagnostic.Message) },
        TransferFailedEvent failed => new TransferFailedEvent(Redact(failed.Error)),
        KafkaWaitEvent { Cause: { } cause } wait when ContainsSecret(cause) => wait with { Cause = Redact(cause) },
        _ => engineEvent,
    };
}
