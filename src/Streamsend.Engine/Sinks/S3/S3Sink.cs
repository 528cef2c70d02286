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
/// a killed one left behind.
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

    /// <summary>Aborts the multipart uploads and deletes the staged objects a killed receiver left under the state prefix; their offsets were never committed, so Kafka delivers those files again.</summary>
    public async ValueTask PrepareAsync(CancellationToken cancellationToken)
    {
        try
        {
            var uploads = new ListMultipartUploadsRequest { BucketName = Location.Bucket, Prefix = StateKeyPrefix };
            ListMultipartUploadsResponse listed;
            do
            {
                listed = await client.ListMultipartUploadsAsync(uploads, cancellationToken).ConfigureAwait(false);
                foreach (var upload in listed.MultipartUploads ?? new List<MultipartUpload>())
                {
                    await client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = Location.Bucket, Key = upload.Key, UploadId = upload.UploadId }, cancellationToken).ConfigureAwait(false);
                }
                uploads.KeyMarker = listed.NextKeyMarker;
                uploads.UploadIdMarker = listed.NextUploadIdMarker;
            }
            while (listed.IsTruncated == true);

            var objects = new ListObjectsV2Request { BucketName = Location.Bucket, Prefix = StateKeyPrefix };
            ListObjectsV2Response page;
            do
            {
                page = await client.ListObjectsV2Async(objects, cancellationToken).ConfigureAwait(false);
                foreach (var staged in page.S3Objects ?? new List<S3Object>())
                {
                    await client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Location.Bucket, Key = staged.Key }, cancellationToken).ConfigureAwait(false);
                }
                objects.ContinuationToken = page.NextContinuationToken;
            }
            while (page.IsTruncated == true);
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

    public ValueTask<IPartialFile> BeginAsync(IncomingFile file, CancellationToken cancellationToken)
    {
        var key = FinalKeyOf(file);
        if (file.Size > PartLayout.MaximumObjectSize)
        {
            throw new StreamsendException("DestinationWriteFailed", ErrorKind.WriteError, $"Cannot land '{Location.UriOf(key)}': {file.Size} bytes is more than the largest S3 object (5 TiB).", Location.UriOf(key));
        }
        return ValueTask.FromResult<IPartialFile>(new S3PartialFile(this, file, key, StateKeyPrefix + file.TransferId.ToString("N")));
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
