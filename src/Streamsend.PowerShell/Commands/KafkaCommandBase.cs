using System.Collections;
using System.Globalization;
using System.Management.Automation;
using Streamsend.Engine;
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
    public const string BootstrapServersVariable = "STREAMSEND_BOOTSTRAP_SERVERS";

    private readonly CancellationTokenSource stopping = new();
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

    /// <summary>Seconds to wait for any broker to answer before failing.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int ConnectTimeoutSeconds { get; set; } = 30;

    protected CancellationToken StopToken => stopping.Token;

    internal EngineEventQueue EngineEvents => queue ??= new EngineEventQueue();

    internal EventPump Pump(string activity) => pump ??= new EventPump(this, EngineEvents, new ProgressView(this, activity));

    protected override void StopProcessing() => stopping.Cancel();

    protected KafkaSettings ResolveKafkaSettings()
    {
        var servers = BootstrapServers ?? Environment.GetEnvironmentVariable(BootstrapServersVariable);
        if (string.IsNullOrWhiteSpace(servers))
        {
            ThrowTerminatingError(ErrorRecords.From(new StreamsendException(
                "BootstrapServersMissing",
                ErrorKind.InvalidArgument,
                $"No Kafka servers given. Pass -BootstrapServers host:9092, or set the environment variable {BootstrapServersVariable}.")));
        }
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Config is not null)
        {
            foreach (DictionaryEntry entry in Config)
            {
                properties[Convert.ToString(entry.Key, CultureInfo.InvariantCulture)!] = entry.Value switch
                {
                    bool flag => flag ? "true" : "false",
                    null => "",
                    var other => Convert.ToString(other, CultureInfo.InvariantCulture)!,
                };
            }
        }
        return new KafkaSettings(servers!, properties) { ConnectTimeout = TimeSpan.FromSeconds(ConnectTimeoutSeconds) };
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
            ThrowTerminatingError(ErrorRecords.From(e));
            throw;
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
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
