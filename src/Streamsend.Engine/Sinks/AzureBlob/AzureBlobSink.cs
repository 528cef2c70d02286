using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Streamsend.Engine.Sinks.ObjectStore;

namespace Streamsend.Engine.Sinks.AzureBlob;

/// <summary>
/// Lands files as block blobs in a container under a name prefix, streaming: nothing is staged on local disk. Each
/// chunk is staged as one block of the final blob as it arrives, in any order; the block list is committed, with the
/// verified MD5 as the blob's Content-MD5 and the landing record in its metadata, only once the whole file is verified.
/// Until then the blob does not exist: an ordinary listing does not show it and a read finds nothing. A file that
/// arrives in one write (a packed entry, a one-chunk file) goes up as one Put Blob at commit instead.
/// </summary>
/// <remarks>
/// Committing a block list discards every uncommitted block of that blob that the list does not name, so two
/// transfers must never stage under one blob name at once: the sink keeps the names being staged, and a second file for
/// a name another sender's file is staging under lands beside it (<see cref="SenderCollisionRule"/>); one from the same
/// sender waits for the next run (<c>AzureBlobBusy</c>). The name is chosen when the file begins, and the commit is
/// conditional on the blob there being as it was then, so a blob that appeared meanwhile is never replaced unseen.
/// </remarks>
public sealed class AzureBlobSink : IFileSink
{
    /// <summary>Azure's limit of committed blocks in one block blob; one block per chunk.</summary>
    public const int MaximumBlockCount = 50_000;

    /// <summary>Azure's limit on a blob name's length.</summary>
    public const int MaximumNameLength = 1024;

    internal static readonly LandingMetadata Metadata = new('_');

    private readonly bool overwrite;
    private readonly object stagingGate = new();
    private readonly Dictionary<string, IncomingFile> staging = new(StringComparer.Ordinal);

    /// <param name="destination">An https://, http:// (emulator) or az:// destination; see <see cref="AzureBlobLocation"/>.</param>
    /// <param name="overwrite">Let a file from one sender replace a blob another sender landed (-Overwrite).</param>
    public AzureBlobSink(string destination, AzureBlobConnectionOptions options, bool overwrite = false)
    {
        this.overwrite = overwrite;
        Location = AzureBlobLocation.Parse(destination, options);
        Credential = AzureCredentialChoice.For(Location, options);
        var clientOptions = new BlobClientOptions();
        clientOptions.Diagnostics.ApplicationId = "Streamsend";
        Container = Credential.CreateClient(Location.ServiceUri, clientOptions).GetBlobContainerClient(Location.Container);
        UploadSlots = new SemaphoreSlim(options.MaxConcurrentUploads, options.MaxConcurrentUploads);
        Budget = new MemoryBudget(options.MemoryLimitBytes, "Azure");
    }

    public string Destination => Location.ToString();

    public AzureBlobLocation Location { get; }

    /// <summary>Which credential signs the requests (<see cref="AzureCredentialChoice"/>).</summary>
    public AzureCredentialChoice Credential { get; }

    internal BlobContainerClient Container { get; }

    internal SemaphoreSlim UploadSlots { get; }

    internal MemoryBudget Budget { get; }

    /// <summary>
    /// Checks that the container is there and can be read, with the least a SAS may grant: one HEAD of a name under the
    /// state prefix, which answers BlobNotFound. Nothing needs clearing: what a killed receiver staged is uncommitted
    /// blocks, which the next commit of the same name discards, or Azure after seven days.
    /// </summary>
    public async ValueTask PrepareAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Container.GetBlobClient(Location.NameOf(LocalDirectorySink.StateFolderName + "/probe")).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404 && e.ErrorCode != BlobErrorCode.ContainerNotFound.ToString())
        {
            // BlobNotFound: the container is there and answers.
        }
        catch (Exception e) when (AzureErrors.IsStoreFailure(e))
        {
            var hint = e is RequestFailedException { ErrorCode: "ContainerNotFound" }
                ? $" The container '{Location.Container}' does not exist in account '{Location.AccountName}': create it first (az storage container create --name {Location.Container})."
                : "";
            throw new StreamsendException("DestinationNotWritable", ErrorKind.WriteError, $"Cannot use '{Destination}' as the destination: {AzureErrors.Describe(e)}, signed with {Credential.Description}.{hint}", Destination, e);
        }
    }

    /// <summary>
    /// Landed means: the blob at the file's name, or at the name the collision rule gave it, carries this transfer's id
    /// and verified MD5 in its metadata.
    /// </summary>
    public async ValueTask<bool> WasLandedAsync(IncomingFile file, CancellationToken cancellationToken)
    {
        var name = BlobNameOf(file);
        try
        {
            var properties = await PropertiesAsync(name, cancellationToken).ConfigureAwait(false);
            if (properties is null)
            {
                return false;
            }
            if (IsLandingOf(properties, file.TransferId))
            {
                return true;
            }
            var owner = SenderOf(properties);
            if (owner is null || overwrite || string.Equals(owner, file.Sender, StringComparison.Ordinal))
            {
                return false;
            }
            var alternate = await PropertiesAsync(Location.NameOf(SenderCollisionRule.AlternateFor(file.RelativePath, file.Sender)), cancellationToken).ConfigureAwait(false);
            return alternate is not null && IsLandingOf(alternate, file.TransferId);
        }
        catch (Exception e) when (AzureErrors.IsStoreFailure(e))
        {
            throw new StreamsendException("DestinationWriteFailed", ErrorKind.ReadError, $"Cannot check whether '{UriOf(name)}' already landed: {AzureErrors.Describe(e)}, signed with {Credential.Description}.", UriOf(name), e);
        }
    }

    /// <summary>Each file of a pack goes up as its own blob; nothing is shared between them.</summary>
    public ValueTask<IReadOnlyList<FileLanding>> LandAllAsync(IReadOnlyList<CompleteFile> files, CancellationToken cancellationToken) =>
        OneByOneLanding.LandAllAsync(this, files, cancellationToken);

    /// <summary>None: the sink keeps no transfer between runs (see <see cref="AzurePartialFile"/>).</summary>
    public ValueTask<IReadOnlyList<KeptTransfer>> KeptAsync(CancellationToken cancellationToken) => new(Array.Empty<KeptTransfer>());

    /// <summary>Nothing to discard: no transfer is kept, and uncommitted blocks cannot be deleted alone.</summary>
    public ValueTask DiscardKeptAsync(Guid transferId) => ValueTask.CompletedTask;

    public async ValueTask<IPartialFile> BeginAsync(IncomingFile file, CancellationToken cancellationToken)
    {
        var name = BlobNameOf(file);
        if (file.ChunkCount > MaximumBlockCount)
        {
            throw new StreamsendException("AzureBlockLimitExceeded", ErrorKind.InvalidArgument,
                $"Cannot land '{UriOf(name)}': it was sent in {file.ChunkCount} chunks, and a block blob holds at most {MaximumBlockCount} blocks, one per chunk. " +
                $"Send it over a topic whose message size limit allows chunks of at least {(file.Size + MaximumBlockCount - 1) / MaximumBlockCount} bytes.", UriOf(name));
        }
        try
        {
            var (landing, warning, conditions) = await LandingAsync(file, name, cancellationToken).ConfigureAwait(false);
            return new AzurePartialFile(this, file, landing, warning, conditions);
        }
        catch (Exception e) when (AzureErrors.IsStoreFailure(e))
        {
            throw new StreamsendException("DestinationWriteFailed", ErrorKind.ReadError, $"Cannot start '{UriOf(name)}': {AzureErrors.Describe(e)}, signed with {Credential.Description}. It will be received again by the next run.", UriOf(name), e);
        }
    }

    /// <summary>The blob's URL, as FullName shows it (never with a SAS token).</summary>
    internal string UriOf(string name) => Container.GetBlobClient(name).Uri.AbsoluteUri;

    /// <summary>A name stops being staged under: its file landed or was given up.</summary>
    internal void EndStaging(string name, IncomingFile file)
    {
        lock (stagingGate)
        {
            if (staging.TryGetValue(name, out var current) && current.TransferId == file.TransferId)
            {
                staging.Remove(name);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        UploadSlots.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Where a file lands, decided when it begins (its blocks are staged there): its own name, unless a blob there, or
    /// a file staging there, came from another sender (<see cref="SenderCollisionRule"/>). The commit's condition is
    /// the state of that name now: absent (If-None-Match: *) or this very blob (If-Match its ETag).
    /// </summary>
    private async Task<(string Name, string? Warning, BlobRequestConditions? Conditions)> LandingAsync(IncomingFile file, string name, CancellationToken cancellationToken)
    {
        var properties = await PropertiesAsync(name, cancellationToken).ConfigureAwait(false);
        var owner = properties is null ? null : SenderOf(properties);
        lock (stagingGate)
        {
            if (owner is null && staging.TryGetValue(name, out var arriving))
            {
                owner = arriving.Sender;
            }
        }
        var (relative, warning) = SenderCollisionRule.Resolve(file.RelativePath, file.Sender, owner, overwrite);
        var landing = Location.NameOf(relative);
        var target = landing == name ? properties : await PropertiesAsync(landing, cancellationToken).ConfigureAwait(false);
        var conditions = overwrite ? null : target is null ? new BlobRequestConditions { IfNoneMatch = ETag.All } : new BlobRequestConditions { IfMatch = target.ETag };
        lock (stagingGate)
        {
            if (staging.TryGetValue(landing, out var other))
            {
                throw new StreamsendException("AzureBlobBusy", ErrorKind.ResourceUnavailable,
                    $"Cannot start '{UriOf(landing)}' (transfer {file.TransferId:N}) now: transfer {other.TransferId:N} of the same blob from sender '{other.Sender}' is still arriving, " +
                    "and committing either would discard the other's staged blocks. Its offsets are kept, so the next run receives it again.", UriOf(landing));
            }
            staging.Add(landing, file);
        }
        return (landing, warning, conditions);
    }

    /// <summary>The blob's properties, or null when there is no committed blob of that name.</summary>
    private async Task<BlobProperties?> PropertiesAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return (await Container.GetBlobClient(name).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    private static bool IsLandingOf(BlobProperties properties, Guid transferId) => Metadata.IsLandingOf(Lookup(properties.Metadata), transferId);

    private static string? SenderOf(BlobProperties properties) => Metadata.SenderOf(Lookup(properties.Metadata));

    /// <summary>Metadata names are case-insensitive in Azure; a store may hand them back in another case.</summary>
    private static Func<string, string?> Lookup(IDictionary<string, string> metadata) =>
        name => metadata.TryGetValue(name, out var value) ? value : metadata.FirstOrDefault(pair => string.Equals(pair.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>The blob name of a file, after the path rules every sink applies and the ones Azure adds.</summary>
    private string BlobNameOf(IncomingFile file)
    {
        var segments = RelativePathPolicy.LandingSegments(file.RelativePath);
        var name = Location.NameOf(file.RelativePath);
        if (segments.FirstOrDefault(segment => segment.EndsWith('.')) is { } dotted)
        {
            throw Unsupported(file, $"its segment '{dotted}' ends in '.', which Azure Blob Storage does not keep in a blob name's segments");
        }
        if (name.Length > MaximumNameLength)
        {
            throw Unsupported(file, $"its blob name would be {name.Length} characters, more than Azure's {MaximumNameLength}");
        }
        return name;
    }

    private static StreamsendException Unsupported(IncomingFile file, string reason) =>
        new("UnsupportedBlobName", ErrorKind.InvalidArgument, $"Refused to write '{Wire.WireCodec.Printable(file.RelativePath)}': {reason}. Nothing was written.", file.RelativePath);
}
