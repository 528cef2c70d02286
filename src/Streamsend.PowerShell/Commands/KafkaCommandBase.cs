using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Net;
using System.Security;
using Streamsend.Engine;
using Streamsend.Engine.Configuration;
using Streamsend.Engine.Kafka;
using Streamsend.PowerShell.Pipeline;

namespace Streamsend.PowerShell.Commands;

/// <summary>
/// What every Streamsend cmdlet shares: how to reach Kafka, and the bridge from engine tasks (on worker threads) to
/// the pipeline thread, with Ctrl+C mapped to a cancellation token.
/// </summary>
public abstract class KafkaCommandBase : PSCmdlet, IDisposable
{
    /// <summary>The variable scheduled tasks and services can set instead of passing -BootstrapServers.</summary>
    public const string BootstrapServersVariable = KafkaConfigurationSources.BootstrapServersVariable;

    private readonly CancellationTokenSource stopping = new();
    private readonly List<string> otherSecrets = new();
    private EngineEventQueue? queue;
    private EventPump? pump;

    /// <summary>Kafka's bootstrap servers, host:port[,host:port...].</summary>
    [Parameter]
    [Alias("Brokers", "BootstrapServer")]
    [ValidateNotNullOrEmpty]
    public string? BootstrapServers { get; set; }

    /// <summary>Any librdkafka property (security.protocol, sasl.*, ssl.*, tuning), as a hashtable.</summary>
    [Parameter]
    public Hashtable? Config { get; set; }

    /// <summary>A Java/librdkafka client.properties file (the form Confluent Cloud, MSK and Strimzi hand out).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ConfigFile { get; set; }

    /// <summary>SASL user name and password (sasl.username, sasl.password).</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Seconds to wait for any broker to answer before failing.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int ConnectTimeoutSeconds { get; set; } = 30;

    protected CancellationToken StopToken => stopping.Token;

    /// <summary>Masks the secrets of the resolved configuration in everything the cmdlet shows; none until it is resolved.</summary>
    internal SecretRedactor Redactor { get; private set; } = SecretRedactor.None;

    internal EngineEventQueue EngineEvents => queue ??= new EngineEventQueue();

    internal EventPump Pump(string activity) => pump ??= new EventPump(this, EngineEvents, new ProgressView(this, activity, ShowsProgress()));

    protected override void StopProcessing() => stopping.Cancel();

    /// <summary>
    /// Merges -BootstrapServers, -Credential, -Config, -ConfigFile and the environment (KafkaConfigurationSources has the
    /// precedence), writes where each setting came from with -Verbose (secrets masked), and arms the redactor.
    /// </summary>
    protected KafkaSettings ResolveKafkaSettings()
    {
        var properties = new List<KeyValuePair<string, string>>();
        if (Config is not null)
        {
            foreach (DictionaryEntry entry in Config)
            {
                properties.Add(new(Convert.ToString(entry.Key, CultureInfo.InvariantCulture)!, entry.Value switch
                {
                    bool flag => flag ? "true" : "false",
                    SecureString secure => new NetworkCredential("", secure).Password,
                    null => "",
                    var other => Convert.ToString(other, CultureInfo.InvariantCulture)!,
                }));
            }
        }
        var sources = new KafkaConfigurationSources
        {
            BootstrapServers = BootstrapServers,
            UserName = Credential?.UserName,
            Password = Credential?.GetNetworkCredential().Password,
            Properties = properties,
            ConfigFile = ConfigFile is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(ConfigFile),
            ConnectTimeout = TimeSpan.FromSeconds(ConnectTimeoutSeconds),
        };
        ResolvedKafkaConfiguration resolved;
        try
        {
            resolved = sources.Resolve();
        }
        catch (StreamsendException e)
        {
            // Nothing is armed yet: mask whatever secrets the sources hold before the error is shown.
            ThrowTerminatingError(ErrorRecords.From(new SecretRedactor(properties.Append(new("sasl.password", sources.Password ?? ""))).With(otherSecrets).Redact(e)));
            throw;
        }
        Arm(resolved.Redactor);
        foreach (var note in resolved.Notes)
        {
            WriteVerbose(Redactor.Redact(note));
        }
        return resolved.Settings;
    }

    /// <summary>Secrets that are no Kafka property (a destination's keys and tokens): masked from now on, like the Kafka ones.</summary>
    protected void AddSecrets(IEnumerable<string> secrets)
    {
        otherSecrets.AddRange(secrets);
        Arm(Redactor);
    }

    private void Arm(SecretRedactor kafka)
    {
        Redactor = kafka.With(otherSecrets);
        EngineEvents.Redactor = Redactor;
    }

    /// <summary>Waits for a setup step on the pipeline thread, writing its events; engine failures become terminating errors.</summary>
    protected T RunEngine<T>(string activity, Func<CancellationToken, Task<T>> step)
    {
        try
        {
            return Pump(activity).RunUntilDone(step(StopToken));
        }
        catch (StreamsendException e)
        {
            ThrowTerminatingError(ErrorRecords.From(Redactor.Redact(e)));
            throw;
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (Exception e) when (e is not PipelineStoppedException && Redactor.ContainsSecret(e.ToString()))
        {
            // A client library's own error (a config value it rejects, say) can quote a secret: it is shown masked.
            ThrowTerminatingError(ErrorRecords.From(new StreamsendException("KafkaClientFailed", ErrorKind.InvalidArgument, Redactor.Redact(e.Message))));
            throw;
        }
    }

    /// <summary>
    /// Progress only where someone can see it: not with $ProgressPreference SilentlyContinue or Ignore, not in a host
    /// started with -NonInteractive, not in a Windows service or scheduled task without a desktop.
    /// </summary>
    private bool ShowsProgress()
    {
        if (GetVariableValue("ProgressPreference") is ActionPreference.SilentlyContinue or ActionPreference.Ignore)
        {
            return false;
        }
        if (!Environment.UserInteractive)
        {
            return false;
        }
        // pwsh takes any unambiguous prefix: -noni, -NonInteractive.
        return !Environment.GetCommandLineArgs().Skip(1).Any(a =>
            a.StartsWith("-noni", StringComparison.OrdinalIgnoreCase) && "-noninteractive".StartsWith(a, StringComparison.OrdinalIgnoreCase));
    }

    public void Dispose()
    {
        stopping.Cancel();
        DisposeEngine();
        queue?.Dispose();
        stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases engine resources (producers, consumers) when the cmdlet ends in any way.</summary>
    protected virtual void DisposeEngine()
    {
    }
}
