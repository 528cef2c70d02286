using System.Management.Automation;
using Streamsend.Engine;
using Streamsend.Engine.Receiving;
using Streamsend.Engine.Sinks;

namespace Streamsend.PowerShell.Commands;

/// <summary>
/// Receives files from a Kafka topic into a destination folder, verifying each before it appears at its final path.
/// Emits one <see cref="ReceivedFile"/> per landed file as soon as it lands. Runs until a stop condition or Ctrl+C.
/// </summary>
[Cmdlet(VerbsCommunications.Receive, "StreamFile", SupportsShouldProcess = true)]
[OutputType(typeof(ReceivedFile))]
public sealed class ReceiveStreamFileCommand : KafkaCommandBase
{
    /// <summary>The topic to receive from.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Topic { get; set; } = "";

    /// <summary>The folder files land in, at &lt;Destination&gt;/&lt;RelativePath&gt;.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    /// <summary>The consumer group. Receivers sharing it split the files; each group gets every file.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string GroupId { get; set; } = "streamsend";

    /// <summary>Stop after this long without any message on the topic.</summary>
    [Parameter]
    public TimeSpan? IdleTimeout { get; set; }

    /// <summary>Stop once this many files landed.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? MaxFiles { get; set; }

    /// <summary>Stop after this long in all.</summary>
    [Parameter]
    public TimeSpan? Timeout { get; set; }

    /// <summary>Give up a file whose chunks stopped arriving for this long (its sender died, or retention deleted them), reporting it.</summary>
    [Parameter]
    public TimeSpan IncompleteTimeout { get; set; } = TimeSpan.FromMinutes(10);

    protected override void EndProcessing()
    {
        var destination = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Destination);
        if (!ShouldProcess(destination, $"Receive files from Kafka topic '{Topic}'"))
        {
            return;
        }
        var sink = new LocalDirectorySink(destination);
        var options = new ReceiveOptions
        {
            Kafka = ResolveKafkaSettings(),
            Topic = Topic,
            GroupId = GroupId,
            Sink = sink,
            IdleTimeout = IdleTimeout,
            MaxFiles = MaxFiles,
            Timeout = Timeout,
            IncompleteTransferTimeout = IncompleteTimeout,
        };
        try
        {
            var summary = RunEngine($"Receiving from '{Topic}'", token => FileReceiver.RunAsync(options, EngineEvents, token));
            WriteVerbose($"Landed {summary.FilesLanded} files, {summary.FilesFailed} failed, {summary.ForeignMessages} foreign messages skipped; stopped: {summary.StoppedBecause}.");
        }
        finally
        {
            sink.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
