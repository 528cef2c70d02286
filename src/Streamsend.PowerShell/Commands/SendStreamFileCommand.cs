using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Threading.Channels;
using Streamsend.Engine;
using Streamsend.Engine.Sending;
using Streamsend.PowerShell.Pipeline;

namespace Streamsend.PowerShell.Commands;

/// <summary>
/// Sends files and directory trees through a Kafka topic as chunk messages. Emits one <see cref="SentFile"/> per file,
/// only after Kafka acknowledged every chunk of it.
/// </summary>
[Cmdlet(VerbsCommunications.Send, "StreamFile", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
[OutputType(typeof(SentFile))]
public sealed class SendStreamFileCommand : KafkaCommandBase
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    private Channel<SendRequest>? requests;
    private FileSender? sender;
    private Task<bool>? sending;

    /// <summary>Files or directories to send; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Files or directories to send, taken literally (no wildcards). Bound from Get-ChildItem's output.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary>The folder that relative paths are computed from; every file sent must be under it.</summary>
    [Parameter]
    public string? BasePath { get; set; }

    /// <summary>The topic to send to.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Topic { get; set; } = "";

    /// <summary>Bytes per chunk; by default derived from the topic's message size limit.</summary>
    [Parameter]
    [ValidateRange(1024, 1_000_000_000)]
    public int ChunkSize { get; set; }

    /// <summary>The name receivers see as the file's sender (default: this machine's name).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string SenderName { get; set; } = Environment.MachineName;

    /// <summary>Chunk spreads each file over all partitions (fastest); File keeps each file on one partition (receiver groups can share work).</summary>
    [Parameter]
    public Distribution Distribution { get; set; } = Distribution.Chunk;

    /// <summary>Files smaller than this many bytes travel packed and compressed, many to a message; 0 sends every file as its own chunks. Default: a sixteenth of the chunk size.</summary>
    [Parameter]
    [ValidateRange(0, 100_000_000)]
    public int PackThreshold { get; set; } = -1;

    /// <summary>How many files are read and sent at the same time.</summary>
    [Parameter]
    [ValidateRange(1, 256)]
    public int ThrottleLimit { get; set; } = 4;

    /// <summary>How long Kafka may take to acknowledge each chunk, outages included, before the file is reported as failed.</summary>
    [Parameter]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);

    private string? basePathResolved;

    protected override void BeginProcessing()
    {
        if (BasePath is not null)
        {
            basePathResolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(BasePath);
        }
    }

    protected override void ProcessRecord()
    {
        foreach (var fullPath in ResolveInputPaths())
        {
            IEnumerable<SendRequest> expanded;
            try
            {
                expanded = SourceTree.Expand(fullPath, basePathResolved).ToList();
            }
            catch (StreamsendException e)
            {
                WriteError(ErrorRecords.From(e));
                continue;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                WriteError(ErrorRecords.From(new StreamsendException("FileReadFailed", ErrorKind.ReadError, $"Cannot read '{fullPath}': {e.Message}", fullPath, e)));
                continue;
            }
            foreach (var request in expanded)
            {
                if (ShouldProcess(request.FullPath, $"Send to Kafka topic '{Topic}' as '{request.RelativePath}'"))
                {
                    Enqueue(request);
                }
            }
        }
        if (requests is not null)
        {
            Pump("Sending").DrainAvailable();
        }
    }

    protected override void EndProcessing()
    {
        if (requests is null)
        {
            return;
        }
        requests.Writer.TryComplete();
        RunEngine("Sending", _ => sending!);
    }

    protected override void DisposeEngine()
    {
        requests?.Writer.TryComplete();
        try
        {
            sending?.Wait(TimeSpan.FromSeconds(30));
        }
        catch (AggregateException)
        {
            // Already reported through the pipeline.
        }
        sender?.Dispose();
    }

    private void Enqueue(SendRequest request)
    {
        if (requests is null)
        {
            Connect();
        }
        var progress = Pump("Sending").Progress;
        progress.PlannedFiles++;
        progress.PlannedBytes += new FileInfo(request.FullPath).Length;
        requests!.Writer.TryWrite(request);
    }

    /// <summary>Connects on the first file to send, so -WhatIf and empty input never touch Kafka.</summary>
    private void Connect()
    {
        var options = new SendOptions
        {
            Kafka = ResolveKafkaSettings(),
            Topic = Topic,
            ChunkSize = ChunkSize > 0 ? ChunkSize : null,
            SenderName = SenderName,
            Distribution = Distribution,
            ThrottleLimit = ThrottleLimit,
            PackThreshold = PackThreshold >= 0 ? PackThreshold : null,
            DeliveryTimeout = Timeout,
        };
        sender = RunEngine($"Connecting to '{Topic}'", token => FileSender.ConnectAsync(options, EngineEvents, token));
        requests = Channel.CreateUnbounded<SendRequest>(new UnboundedChannelOptions { SingleWriter = true });
        var connected = sender;
        sending = Task.Run(async () =>
        {
            await connected.SendAllAsync(requests.Reader, StopToken).ConfigureAwait(false);
            return true;
        });
    }

    private IEnumerable<string> ResolveInputPaths()
    {
        if (ParameterSetName == LiteralPathSet)
        {
            foreach (var literal in LiteralPath)
            {
                var resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(literal);
                if (File.Exists(resolved) || Directory.Exists(resolved))
                {
                    yield return resolved;
                }
                else
                {
                    WriteError(NotFound(literal));
                }
            }
            yield break;
        }
        foreach (var pattern in Path)
        {
            Collection<string>? resolved = null;
            try
            {
                resolved = GetResolvedProviderPathFromPSPath(pattern, out var provider);
                if (provider.Name != "FileSystem")
                {
                    WriteError(ErrorRecords.From(new StreamsendException("NotAFileSystemPath", ErrorKind.InvalidArgument, $"'{pattern}' is not a file system path; Send-StreamFile sends files.", pattern)));
                    continue;
                }
            }
            catch (ItemNotFoundException)
            {
                WriteError(NotFound(pattern));
                continue;
            }
            foreach (var path in resolved)
            {
                yield return path;
            }
        }
    }

    private static ErrorRecord NotFound(string path) =>
        ErrorRecords.From(new StreamsendException("PathNotFound", ErrorKind.NotFound, $"Cannot find path '{path}' because it does not exist.", path));
}
