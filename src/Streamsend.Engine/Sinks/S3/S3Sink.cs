using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Streamsend.Engine.Sinks.ObjectStore;

namespace Streamsend.Engine.Sinks.S3;

/// <summary>
/// Lands files in a bucket under a key prefix (<c>s3://bucket/prefix/&lt;relative path&gt;</c>), streaming: nothing is
/// staged on local disk. Multipart uploads go to keys under <see cref="StateKeyPrefix"/>, the bucket's counterpart of
/// the local sink's state folder; that prefix is the marker by which a restarted receiver finds and aborts the uploads
/// a killed one left behind, except those an incomplete transfer keeps for a later run (<see cref="S3KeptUploads"/>).
/// </summary>
public sealed class S3Sink : IFileSink
{
    private readonly IAmazonS3 client;

    private readonly bool overwrite;

    /// <param name="overwrite">Let a file from one sender replace an object another sender landed (-Overwrite).</param>
    public S3Sink(S3Location location, S3ConnectionOptions options, bool overwrite = false)
    {
        this.overwrite = overwrite;
        Location = location;
        Destination = location.ToString();
        client = S3ClientFactory.Create(options);
        UseChunkEncoding = S3ClientFactory.UseChunkEncoding(options);
        UploadSlots = new SemaphoreSlim(options.MaxConcurrentUploads, options.MaxConcurrentUploads);
        Budget = new MemoryBudget(options.MemoryLimitBytes, "S3");
        Copier = new S3ObjectCopier(client, location.Bucket);
        StateKeyPrefix = location.KeyOf(LocalDirectorySink.StateFolderName + "/partial/");
        KeptUploads = new S3KeptUploads(client, location.Bucket, location.KeyOf(LocalDirectorySink.StateFolderName + "/kept/"), UseChunkEncoding);
    }

    public string Destination { get; }

    public S3Location Location { get; }

    /// <summary>Where in-progress uploads live: <c>prefix/.streamsend/partial/&lt;transfer id&gt;</c>. No received file is ever put there.</summary>
    public string StateKeyPrefix { get; }

    internal IAmazonS3 Client => client;

    internal bool UseChunkEncoding { get; }

    internal SemaphoreSlim UploadSlots { get; }

    internal MemoryBudget Budget { get; }

    internal S3ObjectCopier Copier { get; }

    internal S3KeptUploads KeptUploads { get; }

    /// <summary>
    /// Aborts the multipart uploads and deletes the staged objects a killed receiver left under the state prefix (their
    /// offsets were never committed, so Kafka delivers those files again), except the uploads kept manifests name.
    /// A manifest whose upload is no longer open goes too: its transfer was completed or aborted by a receiver that
    /// wrote the manifest once more as it let go (a rebalance moved the transfer while another receiver landed it).
    /// </summary>
    public async ValueTask PrepareAsync(CancellationToken cancellationToken)
    {
        try
        {
            var kept = await KeptUploads.ListAsync(cancellationToken).ConfigureAwait(false);
            var open = await S3Listing.UploadsAsync(client, Location.Bucket, StateKeyPrefix, cancellationToken).ConfigureAwait(false);
            var keptIds = kept.Select(k => k.UploadId).ToHashSet(StringComparer.Ordinal);
            foreach (var upload in open.Where(u => !keptIds.Contains(u.UploadId)))
            {
                await client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = Location.Bucket, Key = upload.Key, UploadId = upload.UploadId }, cancellationToken).ConfigureAwait(false);
            }
            var openIds = open.Select(u => u.UploadId).ToHashSet(StringComparer.Ordinal);
            foreach (var stale in kept.Where(k => !openIds.Contains(k.UploadId)))
            {
                await KeptUploads.DeleteAsync(stale.Transfer.File.TransferId, cancellationToken).ConfigureAwait(false);
            }
            foreach (var staged in await S3Listing.KeysAsync(client, Location.Bucket, StateKeyPrefix, cancellationToken).ConfigureAwait(false))
            {
                await client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Location.Bucket, Key = staged }, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (S3Errors.IsStoreFailure(e))
        {
            throw new StreamsendException("DestinationNotWritable", ErrorKind.WriteError, $"Cannot use '{Destination}' as the destination: {e.Message}", Destination, e);
        }
    }

    /// <summary>Landed means: the final key holds an object whose metadata names this transfer and its verified MD5.</summary>
    public async ValueTask<bool> WasLandedAsync(IncomingFile file, CancellationToken cancellationToken)
    {
        var key = FinalKeyOf(file);
        try
        {
            var head = await client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Location.Bucket, Key = key }, cancellationToken).ConfigureAwait(false);
            return S3ObjectMetadata.IsLandingOf(head.Metadata, file.TransferId);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        catch (Exception e) when (S3Errors.IsStoreFailure(e))
        {
            throw new StreamsendException("DestinationWriteFailed", ErrorKind.ReadError, $"Cannot check whether '{Location.UriOf(key)}' already landed: {e.Message}", Location.UriOf(key), e);
        }
    }

    /// <summary>Each file of a pack goes up as its own object; nothing is shared between them.</summary>
    public ValueTask<IReadOnlyList<FileLanding>> LandAllAsync(IReadOnlyList<CompleteFile> files, CancellationToken cancellationToken) =>
        OneByOneLanding.LandAllAsync(this, files, cancellationToken);

    /// <summary>The transfers whose multipart uploads earlier runs kept open (<see cref="S3KeptUploads"/>).</summary>
    public async ValueTask<IReadOnlyList<KeptTransfer>> KeptAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (await KeptUploads.ListAsync(cancellationToken).ConfigureAwait(false)).Select(k => new KeptTransfer(k.Transfer.File, k.Transfer.ToProgress())).ToList();
        }
        catch (Exception e) when (S3Errors.IsStoreFailure(e))
        {
            throw new StreamsendException("DestinationNotWritable", ErrorKind.ReadError, $"Cannot list the incomplete transfers kept at '{Location.UriOf(KeptUploads.Prefix)}': {e.Message}", Destination, e);
        }
    }

    /// <summary>Aborts the kept upload and deletes its manifest. Quietly: what a store failure leaves here, a later run discards again.</summary>
    public async ValueTask DiscardKeptAsync(Guid transferId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            if (await KeptUploads.ReadAsync(transferId, timeout.Token).ConfigureAwait(false) is { } kept)
            {
                await KeptUploads.DiscardAsync(kept, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException || S3Errors.IsStoreFailure(e))
        {
        }
    }

    /// <summary>
    /// Starts a file, taking up the upload an earlier run kept of it when there is one (only a file of more than one
    /// part can have one: no lookup for small files). A kept upload of another file under this transfer id, or one not
    /// at this transfer's staging key, is discarded.
    /// </summary>
    public async ValueTask<IPartialFile> BeginAsync(IncomingFile file, CancellationToken cancellationToken)
    {
        var key = FinalKeyOf(file);
        if (file.Size > PartLayout.MaximumObjectSize)
        {
            throw new StreamsendException("DestinationWriteFailed", ErrorKind.WriteError, $"Cannot land '{Location.UriOf(key)}': {file.Size} bytes is more than the largest S3 object (5 TiB).", Location.UriOf(key));
        }
        var stagingKey = StateKeyPrefix + file.TransferId.ToString("N");
        KeptUpload? kept = null;
        if (!new PartLayout(file.Size).IsSinglePut)
        {
            try
            {
                kept = await KeptUploads.ReadAsync(file.TransferId, cancellationToken).ConfigureAwait(false);
                if (kept is not null && (kept.Transfer.File != file || kept.StagingKey != stagingKey))
                {
                    await KeptUploads.DiscardAsync(kept, cancellationToken).ConfigureAwait(false);
                    kept = null;
                }
            }
            catch (Exception e) when (S3Errors.IsStoreFailure(e))
            {
                throw new StreamsendException("DestinationWriteFailed", ErrorKind.ReadError, $"Cannot look for what earlier runs kept of '{Location.UriOf(key)}': {e.Message}. It will be received again by the next run.", Location.UriOf(key), e);
            }
        }
        return new S3PartialFile(this, file, key, stagingKey, kept);
    }

    /// <summary>
    /// The key a verified file lands at: <paramref name="finalKey"/>, unless an object there came from another sender
    /// (its streamsend-sender metadata), which <see cref="SenderCollisionRule"/> never lets a file replace.
    /// </summary>
    internal async Task<(string Key, string? Warning)> LandingKeyAsync(IncomingFile file, string finalKey, CancellationToken cancellationToken)
    {
        if (overwrite)
        {
            return (finalKey, null);
        }
        string? owner;
        try
        {
            var head = await client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Location.Bucket, Key = finalKey }, cancellationToken).ConfigureAwait(false);
            owner = S3ObjectMetadata.SenderOf(head.Metadata);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return (finalKey, null);
        }
        var (relative, warning) = SenderCollisionRule.Resolve(file.RelativePath, file.Sender, owner, overwrite);
        return warning is null ? (finalKey, null) : (Location.KeyOf(relative), warning);
    }

    private string FinalKeyOf(IncomingFile file)
    {
        RelativePathPolicy.LandingSegments(file.RelativePath);
        return Location.KeyOf(file.RelativePath);
    }

    public ValueTask DisposeAsync()
    {
        client.Dispose();
        UploadSlots.Dispose();
        return ValueTask.CompletedTask;
    }
}
