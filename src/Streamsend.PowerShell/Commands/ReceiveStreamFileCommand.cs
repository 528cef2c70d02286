using System.Management.Automation;
using System.Net;
using System.Security;
using Streamsend.Engine;
using Streamsend.Engine.Receiving;
using Streamsend.Engine.Sinks;
using Streamsend.Engine.Sinks.AzureBlob;
using Streamsend.Engine.Sinks.S3;
using Streamsend.PowerShell.Pipeline;

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

    /// <summary>
    /// The folder files land in, at &lt;Destination&gt;/&lt;RelativePath&gt;; or an S3 location, s3://bucket/prefix, where they
    /// land at prefix/&lt;RelativePath&gt;; or an Azure Blob Storage container, https://ACCOUNT.blob.core.windows.net/container/prefix
    /// or az://container/prefix, where they land as the blob prefix/&lt;RelativePath&gt;.
    /// </summary>
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

    /// <summary>
    /// Give up, once, a file no chunk of which was sent for this long after its newest one (its sender died and did not
    /// resume it); until then its staged data is kept across runs.
    /// </summary>
    [Parameter]
    public TimeSpan IncompleteTimeout { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The most bytes incomplete files may stage at once; a new file beyond it waits for the next run. Default 100GB.</summary>
    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long MaxStagedBytes { get; set; } = 100L * 1024 * 1024 * 1024;

    /// <summary>S3 destinations: the AWS region. Default: the SDK's chain (AWS_REGION, the profile, instance metadata).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Region { get; set; }

    /// <summary>S3 destinations: a profile of the AWS shared config and credentials files. Default: AWS_PROFILE, else 'default'.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ProfileName { get; set; }

    /// <summary>S3 destinations: the endpoint of an S3-compatible store (MinIO, Ceph, ...), addressed path-style.</summary>
    [Parameter]
    public Uri? EndpointUrl { get; set; }

    /// <summary>Azure destinations: the storage account of an az:// destination. Default: the connection string's, else AZURE_STORAGE_ACCOUNT.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? StorageAccountName { get; set; }

    /// <summary>Azure destinations: a shared key of the storage account. Default: AZURE_STORAGE_KEY.</summary>
    [Parameter]
    [SecretText]
    public SecureString? StorageAccountKey { get; set; }

    /// <summary>Azure destinations: a SAS token for the container. Default: AZURE_STORAGE_SAS_TOKEN.</summary>
    [Parameter]
    [SecretText]
    public SecureString? SasToken { get; set; }

    /// <summary>Azure destinations: a storage connection string. Default: AZURE_STORAGE_CONNECTION_STRING.</summary>
    [Parameter]
    [SecretText]
    public SecureString? ConnectionString { get; set; }

    /// <summary>Let a file from one sender replace a file that another sender landed at the same path.</summary>
    [Parameter]
    public SwitchParameter Overwrite { get; set; }

    /// <summary>Tree: files land at their relative paths. BySender: at &lt;sender&gt;/&lt;relative path&gt;.</summary>
    [Parameter]
    public DestinationLayout Layout { get; set; } = DestinationLayout.Tree;

    protected override void EndProcessing()
    {
        var destination = FileSinkFactory.IsObjectStoreUri(Destination) ? Destination : SessionState.Path.GetUnresolvedProviderPathFromPSPath(Destination);
        var azure = new AzureBlobConnectionOptions
        {
            AccountName = StorageAccountName,
            AccountKey = PlainText(StorageAccountKey),
            SasToken = PlainText(SasToken),
            ConnectionString = PlainText(ConnectionString),
        };
        AddSecrets(FileSinkFactory.SecretsOf(destination, azure));
        if (!ShouldProcess(Redactor.Redact(destination), $"Receive files from Kafka topic '{Topic}'"))
        {
            return;
        }
        IFileSink sink;
        try
        {
            sink = FileSinkFactory.Create(destination, new S3ConnectionOptions { Region = Region, ProfileName = ProfileName, EndpointUrl = EndpointUrl }, Overwrite.IsPresent, azure);
            if (Layout == DestinationLayout.BySender)
            {
                sink = new BySenderLayout(sink);
            }
        }
        catch (StreamsendException e)
        {
            ThrowTerminatingError(ErrorRecords.From(Redactor.Redact(e)));
            return;
        }
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
            MaxStagedBytes = MaxStagedBytes,
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

    private static string? PlainText(SecureString? secret) => secret is null ? null : new NetworkCredential("", secret).Password;
}
