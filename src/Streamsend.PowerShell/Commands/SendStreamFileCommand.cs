using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Threading.Channels;
using Streamsend.Engine;
using Streamsend.Engine.Resume;
using Streamsend.Engine.Sending;
using Streamsend.Engine.Spool;
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

    /// <summary>Caps the bytes sent per second, across all files sent at the same time.</summary>
    [Parameter]
    [ValidateRange(1024, long.MaxValue)]
    public long MaxBytesPerSecond { get; set; }

    /// <summary>Spool folders: files written more recently than this are left for a later run.</summary>
    [Parameter]
    public TimeSpan? MinimumAge { get; set; }

    /// <summary>Spool folders: how long a file's length and last write time must stay the same before it is sent.</summary>
    [Parameter]
    public TimeSpan? SettleTime { get; set; }

    /// <summary>Spool folders: what to do with a file once Kafka acknowledged all of it: None, Delete, or Move (to -ArchivePath).</summary>
    [Parameter]
    public AfterSendAction AfterSend { get; set; } = AfterSendAction.None;

    /// <summary>With -AfterSend Move: the folder sent files are moved to, keeping their relative paths.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ArchivePath { get; set; }

    /// <summary>Keep running and send files as they appear and settle, until Ctrl+C or -WatchTimeout.</summary>
    [Parameter]
    public SwitchParameter Watch { get; set; }

    /// <summary>With -Watch: stop watching after this long (files being sent then are finished).</summary>
    [Parameter]
    public TimeSpan? WatchTimeout { get; set; }

    /// <summary>Send only files that are new or changed since they were last sent, by the journal at -StatePath.</summary>
    [Parameter]
    public SwitchParameter Incremental { get; set; }

    /// <summary>
    /// The -Incremental journal file; the resume state of files not yet fully sent lives in a 'resume' folder beside it.
    /// Default: both under the user's local application data.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? StatePath { get; set; }

    private string? basePathResolved;
    private readonly List<SpoolRoot> spoolRoots = new();

    /// <summary>Any spool parameter turns the input folders into spool folders: files are picked when ready, not at once.</summary>
    private bool SpoolMode => MinimumAge is not null || SettleTime is not null || AfterSend != AfterSendAction.None || Watch || Incremental;

    protected override void BeginProcessing()
    {
        if (BasePath is not null)
        {
            basePathResolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(BasePath);
        }
        if (AfterSend == AfterSendAction.Move && ArchivePath is null)
        {
            ThrowTerminatingError(ErrorRecords.From(new StreamsendException("ArchivePathMissing", ErrorKind.InvalidArgument, "-AfterSend Move needs -ArchivePath, the folder sent files are moved to.", "ArchivePath")));
        }
        if (ArchivePath is not null && AfterSend != AfterSendAction.Move)
        {
            ThrowTerminatingError(ErrorRecords.From(new StreamsendException("ArchivePathWithoutMove", ErrorKind.InvalidArgument, "-ArchivePath is used only with -AfterSend Move.", "ArchivePath")));
        }
        if (Timeout < TimeSpan.FromSeconds(1))
        {
            // A bare number binds as ticks, and librdkafka reads 0 ms as "never time out".
            ThrowTerminatingError(ErrorRecords.From(new StreamsendException("TimeoutTooShort", ErrorKind.InvalidArgument, $"-Timeout {Timeout} is shorter than a second; give a TimeSpan such as 00:10:00 or (New-TimeSpan -Minutes 10).", "Timeout")));
        }
        if (WatchTimeout is not null && !Watch)
        {
            ThrowTerminatingError(ErrorRecords.From(new StreamsendException("WatchTimeoutWithoutWatch", ErrorKind.InvalidArgument, "-WatchTimeout limits a -Watch run; add -Watch, or use -Timeout for the per-file delivery timeout.", "WatchTimeout")));
        }
    }

    protected override void ProcessRecord()
    {
        foreach (var fullPath in ResolveInputPaths())
        {
            if (SpoolMode)
            {
                spoolRoots.Add(new SpoolRoot(fullPath, basePathResolved));
                continue;
            }
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
        if (SpoolMode)
        {
            SendSpool();
            return;
        }
        if (requests is null)
        {
            return;
        }
        requests.Writer.TryComplete();
        RunEngine("Sending", _ => sending!);
    }

    /// <summary>
    /// Spool folders: pick the files that are ready (one pass, or watching), send them, and only then delete, move or
    /// journal each one: the completion sink sees a file only once Kafka acknowledged all of it.
    /// </summary>
    private void SendSpool()
    {
        if (spoolRoots.Count == 0)
        {
            return;
        }
        var archive = ArchivePath is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(ArchivePath);
        foreach (var root in spoolRoots.Where(r => archive is not null && Directory.Exists(r.FullPath)))
        {
            if (SourceTree.IsSameOrInside(archive!, root.FullPath))
            {
                ThrowTerminatingError(ErrorRecords.From(new StreamsendException("ArchiveInsideSpool", ErrorKind.InvalidArgument, $"-ArchivePath '{archive}' is inside the spool folder '{root.FullPath}', so archived files would be sent again. Choose a folder outside it.", archive)));
            }
        }
        SendJournal? journal = null;
        if (Incremental)
        {
            var journalPath = StatePath is not null
                ? SessionState.Path.GetUnresolvedProviderPathFromPSPath(StatePath)
                : SendJournal.DefaultPath(Topic, basePathResolved ?? spoolRoots[0].FullPath);
            journal = SendJournal.Open(journalPath, out var journalWarning);
            if (journalWarning is not null)
            {
                WriteWarning(journalWarning);
            }
            WriteVerbose($"Journal '{journalPath}': {journal.Count} files sent before.");
        }
        var spool = new SpoolOptions
        {
            MinimumAge = MinimumAge ?? TimeSpan.Zero,
            SettleTime = SettleTime ?? new SpoolOptions().SettleTime,
            AfterSend = AfterSend,
            ArchivePath = archive,
            Journal = journal,
        };
        var scanner = new SpoolScanner(spoolRoots, spool, EngineEvents);
        var completion = new SpoolCompletionSink(EngineEvents, scanner, spool);
        var feeder = new SpoolFeeder(spoolRoots, scanner, spool, EngineEvents);
        try
        {
            if (Watch)
            {
                WatchSpool(feeder, completion);
            }
            else
            {
                var ready = RunEngine("Looking for files that are ready", token => feeder.ScanOnceAsync(token));
                var chosen = ready.Where(f => ShouldProcess(f.FullPath, $"Send to Kafka topic '{Topic}' as '{f.RelativePath}'{AfterSendText()}")).ToList();
                if (chosen.Count == 0)
                {
                    WriteVerbose("No file in the spool folders is ready to send.");
                    return;
                }
                Connect(completion);
                var progress = Pump("Sending").Progress;
                foreach (var file in chosen)
                {
                    progress.PlannedFiles++;
                    progress.PlannedBytes += file.Length;
                    requests!.Writer.TryWrite(new SendRequest(file.FullPath, file.RelativePath));
                }
                requests!.Writer.TryComplete();
                RunEngine("Sending", _ => sending!);
            }
        }
        finally
        {
            completion.SaveJournal();
            Pump("Sending").DrainAvailable();
        }
    }

    private void WatchSpool(SpoolFeeder feeder, SpoolCompletionSink completion)
    {
        var folders = string.Join(", ", spoolRoots.Select(r => r.FullPath));
        if (!ShouldProcess(folders, $"Watch and send every file that appears to Kafka topic '{Topic}'{AfterSendText()}"))
        {
            return;
        }
        Connect(completion, startSending: false);
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(StopToken);
        if (WatchTimeout is { } limit)
        {
            stopWatching.CancelAfter(limit);
        }
        var writer = requests!.Writer;
        var connected = sender!;
        var reader = requests.Reader;
        sending = Task.Run(async () =>
        {
            var sendAll = connected.SendAllAsync(reader, StopToken);
            try
            {
                await feeder.WatchAsync(writer, stopWatching.Token).ConfigureAwait(false);
            }
            finally
            {
                // Files already handed over are finished; Ctrl+C cancels them through StopToken.
                writer.TryComplete();
            }
            await sendAll.ConfigureAwait(false);
            return true;
        });
        RunEngine("Watching", _ => sending);
    }

    private string AfterSendText() => AfterSend switch
    {
        AfterSendAction.Delete => ", then delete it",
        AfterSendAction.Move => $", then move it to '{ArchivePath}'",
        _ => "",
    };

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
    private void Connect(Streamsend.Engine.Events.IEngineEventSink? events = null, bool startSending = true)
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
            MaxBytesPerSecond = MaxBytesPerSecond > 0 ? MaxBytesPerSecond : null,
            ResumeFolder = StatePath is not null
                ? ResumeStore.FolderBeside(SessionState.Path.GetUnresolvedProviderPathFromPSPath(StatePath))
                : ResumeStore.DefaultFolder(),
        };
        WriteVerbose($"Resume state: '{options.ResumeFolder}'.");
        sender = RunEngine($"Connecting to '{Topic}'", token => FileSender.ConnectAsync(options, events ?? EngineEvents, token));
        requests = Channel.CreateUnbounded<SendRequest>(new UnboundedChannelOptions { SingleWriter = true });
        if (!startSending)
        {
            return;
        }
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
