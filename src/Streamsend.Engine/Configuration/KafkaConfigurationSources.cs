using Streamsend.Engine.Kafka;

namespace Streamsend.Engine.Configuration;

/// <summary>
/// Everything a user can configure the Kafka clients with, and the one place that merges it. Precedence, highest first:
/// explicit parameters (-BootstrapServers, -Credential), the -Config hashtable, -ConfigFile, the environment
/// (STREAMSEND_BOOTSTRAP_SERVERS, then the file named by STREAMSEND_CONFIG_FILE when -ConfigFile is not given), defaults.
/// </summary>
public sealed record KafkaConfigurationSources
{
    public const string BootstrapServersVariable = "STREAMSEND_BOOTSTRAP_SERVERS";
    public const string ConfigFileVariable = "STREAMSEND_CONFIG_FILE";

    public string? BootstrapServers { get; init; }

    public string? UserName { get; init; }

    public string? Password { get; init; }

    /// <summary>The -Config hashtable, values already as text.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Properties { get; init; } = Array.Empty<KeyValuePair<string, string>>();

    /// <summary>A full path to a client.properties file.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Reads an environment variable; a seam for tests.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Merges the layers. <see cref="ResolvedKafkaConfiguration.Notes"/> says what was translated, ignored and where each setting came from.</summary>
    public ResolvedKafkaConfiguration Resolve()
    {
        var notes = new List<string>();
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        var origin = new Dictionary<string, string>(StringComparer.Ordinal);

        void Layer(IReadOnlyDictionary<string, string> layer, string name)
        {
            foreach (var (key, value) in layer)
            {
                merged[key] = value;
                origin[key] = name;
            }
        }

        var environmentFile = Environment(ConfigFileVariable);
        if (ConfigFile is null && !string.IsNullOrWhiteSpace(environmentFile))
        {
            Layer(ReadFile(environmentFile, $"{ConfigFileVariable} file '{environmentFile}'", notes), ConfigFileVariable);
        }
        var environmentServers = Environment(BootstrapServersVariable);
        if (!string.IsNullOrWhiteSpace(environmentServers))
        {
            Layer(new Dictionary<string, string> { ["bootstrap.servers"] = environmentServers }, BootstrapServersVariable);
        }
        if (ConfigFile is not null)
        {
            Layer(ReadFile(ConfigFile, $"-ConfigFile '{ConfigFile}'", notes), "-ConfigFile");
        }
        Layer(JavaPropertyTranslator.Translate(Properties.Select(p => new PropertyEntry(p.Key, p.Value, 0)), "-Config", notes), "-Config");
        var explicitLayer = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!string.IsNullOrWhiteSpace(BootstrapServers))
        {
            explicitLayer["bootstrap.servers"] = BootstrapServers;
        }
        if (UserName is not null)
        {
            explicitLayer["sasl.username"] = UserName;
            explicitLayer["sasl.password"] = Password ?? "";
        }
        Layer(explicitLayer, "parameters");

        // metadata.broker.list is librdkafka's other name for the same setting.
        if (!merged.Remove("bootstrap.servers", out var servers) && !merged.Remove("metadata.broker.list", out servers))
        {
            throw new StreamsendException(
                "BootstrapServersMissing",
                ErrorKind.InvalidArgument,
                $"No Kafka servers given. Pass -BootstrapServers host:9092, set bootstrap.servers in -ConfigFile or -Config, or set the environment variable {BootstrapServersVariable}.");
        }
        merged.Remove("metadata.broker.list");
        var redactor = new SecretRedactor(merged);
        notes.Add($"Kafka servers {servers} (from {origin.GetValueOrDefault("bootstrap.servers", origin.GetValueOrDefault("metadata.broker.list", "?"))}).");
        foreach (var (key, value) in merged.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            notes.Add($"Kafka property {key} = {SecretRedactor.Display(key, value)} (from {origin[key]}).");
        }
        var settings = new KafkaSettings(servers, merged) { ConnectTimeout = ConnectTimeout };
        return new ResolvedKafkaConfiguration(settings, notes, redactor);
    }

    private static Dictionary<string, string> ReadFile(string path, string source, ICollection<string> notes)
    {
        if (!File.Exists(path))
        {
            throw new StreamsendException("ConfigFileNotFound", ErrorKind.NotFound, $"Cannot find the Kafka configuration file {source}.", path);
        }
        return JavaPropertyTranslator.Translate(PropertiesFileReader.ReadFile(path), source, notes);
    }
}

/// <summary>The merged settings, what to tell the user about them (secrets masked), and the redactor for everything shown afterwards.</summary>
public sealed record ResolvedKafkaConfiguration(KafkaSettings Settings, IReadOnlyList<string> Notes, SecretRedactor Redactor);
