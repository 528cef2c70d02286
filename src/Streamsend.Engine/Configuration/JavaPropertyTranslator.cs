using System.Text.RegularExpressions;

namespace Streamsend.Engine.Configuration;

/// <summary>
/// Makes the Java client snippets that Confluent Cloud, MSK and Strimzi hand out work with librdkafka: Java-only keys
/// are translated where librdkafka has the same setting under another name (sasl.jaas.config's username and password,
/// sasl.mechanism), and dropped with a note where it has none (serializer classes, trust stores). Every other key is
/// checked against <see cref="KafkaPropertyCatalog"/>; an unknown one is an error naming the nearest known one.
/// </summary>
public static partial class JavaPropertyTranslator
{
    private static readonly Dictionary<string, string> Renamed = new(StringComparer.Ordinal)
    {
        ["sasl.mechanism"] = "sasl.mechanisms",
        ["send.buffer.bytes"] = "socket.send.buffer.bytes",
        ["receive.buffer.bytes"] = "socket.receive.buffer.bytes",
        ["fetch.max.wait.ms"] = "fetch.wait.max.ms",
        ["max.request.size"] = "message.max.bytes",
    };

    private static readonly Dictionary<string, string> Ignored = new(StringComparer.Ordinal)
    {
        ["key.serializer"] = "Streamsend sends bytes",
        ["value.serializer"] = "Streamsend sends bytes",
        ["key.deserializer"] = "Streamsend reads bytes",
        ["value.deserializer"] = "Streamsend reads bytes",
        ["buffer.memory"] = "librdkafka bounds its queue with queue.buffering.max.kbytes, which Streamsend sets",
        ["max.block.ms"] = "librdkafka does not block on a full queue; Streamsend waits for room itself",
        ["default.api.timeout.ms"] = "use -ConnectTimeoutSeconds and -Timeout",
        ["ssl.truststore.location"] = "librdkafka reads PEM: set ssl.ca.location, or leave it out to use the system's CA store",
        ["ssl.truststore.password"] = "librdkafka reads PEM: set ssl.ca.location",
        ["ssl.truststore.type"] = "librdkafka reads PEM: set ssl.ca.location",
        ["ssl.keystore.type"] = "librdkafka reads PKCS#12 from ssl.keystore.location",
        ["ssl.protocol"] = "librdkafka negotiates the TLS version",
        ["ssl.enabled.protocols"] = "librdkafka negotiates the TLS version",
        ["schema.registry.url"] = "a Schema Registry setting; Streamsend uses none",
        ["basic.auth.credentials.source"] = "a Schema Registry setting; Streamsend uses none",
        ["basic.auth.user.info"] = "a Schema Registry setting; Streamsend uses none",
    };

    /// <summary>
    /// Translates and checks one layer of properties (a file, a hashtable). <paramref name="notes"/> receives one line per
    /// key translated or ignored; <paramref name="source"/> names the layer in messages.
    /// </summary>
    public static Dictionary<string, string> Translate(IEnumerable<PropertyEntry> entries, string source, ICollection<string> notes)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var key = entry.Key.Trim();
            var where = entry.Line > 0 ? $"{source} line {entry.Line}" : source;
            if (key == "sasl.jaas.config")
            {
                foreach (var (translatedKey, value) in FromJaas(entry.Value, where, notes))
                {
                    result.TryAdd(translatedKey, value);
                }
                continue;
            }
            if (Renamed.TryGetValue(key, out var librdkafkaKey))
            {
                notes.Add($"{where}: '{key}' is read as librdkafka's '{librdkafkaKey}'.");
                result[librdkafkaKey] = entry.Value;
                continue;
            }
            if (Ignored.TryGetValue(key, out var reason))
            {
                notes.Add($"{where}: '{key}' is a Java client setting and is ignored ({reason}).");
                continue;
            }
            if (key.EndsWith(".class", StringComparison.Ordinal) || key.EndsWith(".classes", StringComparison.Ordinal)
                || key.StartsWith("sasl.login.", StringComparison.Ordinal))
            {
                notes.Add($"{where}: '{key}' names Java classes or Java login settings and is ignored.");
                continue;
            }
            if (key == "ssl.endpoint.identification.algorithm" && entry.Value.Length == 0)
            {
                // Java turns host name checks off with an empty value; librdkafka with 'none'.
                notes.Add($"{where}: an empty '{key}' is read as librdkafka's 'none'.");
                result[key] = "none";
                continue;
            }
            if (!KafkaPropertyCatalog.IsKnown(key))
            {
                var closest = KafkaPropertyCatalog.ClosestTo(key);
                throw new StreamsendException(
                    "UnknownKafkaProperty",
                    ErrorKind.InvalidArgument,
                    closest is null
                        ? $"{where}: '{key}' is not a Kafka client property that librdkafka knows. See librdkafka's CONFIGURATION.md for the valid ones."
                        : $"{where}: '{key}' is not a Kafka client property that librdkafka knows. Did you mean '{closest}'?",
                    key);
            }
            result[key] = entry.Value;
        }
        return result;
    }

    /// <summary>The librdkafka settings that a JAAS line stands for.</summary>
    private static IEnumerable<(string Key, string Value)> FromJaas(string jaas, string where, ICollection<string> notes)
    {
        var module = jaas.Trim().Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        var options = JaasOption.Matches(jaas).Cast<Match>().ToDictionary(m => m.Groups["name"].Value, m => OptionValue(m), StringComparer.Ordinal);
        if (module.EndsWith(".PlainLoginModule", StringComparison.Ordinal) || module.EndsWith(".ScramLoginModule", StringComparison.Ordinal))
        {
            notes.Add($"{where}: 'sasl.jaas.config' ({module[(module.LastIndexOf('.') + 1)..]}) is read as sasl.username and sasl.password.");
            if (options.TryGetValue("username", out var user))
            {
                yield return ("sasl.username", user);
            }
            if (options.TryGetValue("password", out var password))
            {
                yield return ("sasl.password", password);
            }
            yield break;
        }
        if (module.EndsWith(".OAuthBearerLoginModule", StringComparison.Ordinal))
        {
            notes.Add($"{where}: 'sasl.jaas.config' (OAuthBearerLoginModule) is read as librdkafka's OIDC client-credentials settings.");
            yield return ("sasl.oauthbearer.method", "oidc");
            if (options.TryGetValue("clientId", out var clientId))
            {
                yield return ("sasl.oauthbearer.client.id", clientId);
            }
            if (options.TryGetValue("clientSecret", out var clientSecret))
            {
                yield return ("sasl.oauthbearer.client.secret", clientSecret);
            }
            if (options.TryGetValue("scope", out var scope))
            {
                yield return ("sasl.oauthbearer.scope", scope);
            }
            var extensions = options.Where(o => o.Key.StartsWith("extension_", StringComparison.Ordinal))
                .Select(o => $"{o.Key["extension_".Length..]}={o.Value}").ToList();
            if (extensions.Count > 0)
            {
                yield return ("sasl.oauthbearer.extensions", string.Join(",", extensions));
            }
            yield break;
        }
        if (module.EndsWith("IAMLoginModule", StringComparison.Ordinal))
        {
            throw new StreamsendException(
                "UnsupportedSaslMechanism",
                ErrorKind.InvalidArgument,
                $"{where}: MSK's IAM login module (AWS_MSK_IAM) is Java-only; librdkafka cannot sign MSK IAM requests. Use SASL/SCRAM (sasl.mechanism=SCRAM-SHA-512 with a ScramLoginModule JAAS line) or mTLS. See docs/operations.md.",
                "sasl.jaas.config");
        }
        throw new StreamsendException(
            "UnsupportedSaslMechanism",
            ErrorKind.InvalidArgument,
            $"{where}: the JAAS login module '{module}' has no librdkafka equivalent. Use sasl.username and sasl.password (PLAIN, SCRAM) or sasl.oauthbearer.* (OIDC).",
            "sasl.jaas.config");
    }

    private static string OptionValue(Match match) =>
        match.Groups["quoted"].Success
            ? Regex.Replace(match.Groups["quoted"].Value, @"\\(.)", "$1")
            : match.Groups["bare"].Value;

    private static readonly Regex JaasOption = new(@"(?<name>[A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(?:""(?<quoted>(?:[^""\\]|\\.)*)""|'(?<quoted>(?:[^'\\]|\\.)*)'|(?<bare>[^\s;""']+))", RegexOptions.Compiled);
}
