using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace Streamsend.Engine.Sinks.S3;

/// <summary>
/// The S3 sink's kept transfers: an incomplete transfer's multipart upload stays open across runs, and the manifest
/// object <c>prefix/.streamsend/kept/&lt;transfer id&gt;.json</c> names it, with the parts uploaded so far and what
/// they hold. The parts' ETags are recorded as each upload answered them, not asked of S3 later: ListParts is not on
/// every S3-compatible store, and the manifest must be enough to complete the upload.
/// </summary>
/// <remarks>
/// The manifest is written at each checkpoint, stays while a receiver works on the transfer (so a receiver killed after
/// taking it up leaves it to the next), and goes just before its upload is completed or aborted. S3 has no rename, so
/// taking a transfer up does not claim it; two receivers that take up one upload at once are safe rather than excluded
/// (see <see cref="S3PartialFile"/>).
/// </remarks>
internal sealed class S3KeptUploads
{
    private readonly IAmazonS3 client;
    private readonly string bucket;
    private readonly bool useChunkEncoding;

    public S3KeptUploads(IAmazonS3 client, string bucket, string prefix, bool useChunkEncoding)
    {
        this.client = client;
        this.bucket = bucket;
        this.useChunkEncoding = useChunkEncoding;
        Prefix = prefix;
    }

    /// <summary><c>prefix/.streamsend/kept/</c>.</summary>
    public string Prefix { get; }

    public async Task WriteAsync(KeptUpload upload, CancellationToken cancellationToken)
    {
        var request = new PutObjectRequest
        {
            BucketName = bucket,
            Key = KeyOf(upload.Transfer.File.TransferId),
            InputStream = new MemoryStream(KeptManifest.ToJson(upload), writable: false),
            AutoCloseStream = true,
            ContentType = "application/json",
            UseChunkEncoding = useChunkEncoding,
        };
        await client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The transfer's kept upload, or null when none is kept (or its manifest cannot be read).</summary>
    public async Task<KeptUpload?> ReadAsync(Guid transferId, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetObjectAsync(bucket, KeyOf(transferId), cancellationToken).ConfigureAwait(false);
            using var json = new MemoryStream();
            await response.ResponseStream.CopyToAsync(json, 81920, cancellationToken).ConfigureAwait(false);
            // Written by a receiver, but read from a bucket others may write too: a manifest missing a field is none.
            return KeptManifest.FromJson<KeptUpload>(json.ToArray()) is { Transfer.File: { } file, StagingKey: not null, UploadId: not null, Parts: not null } upload
                && file.TransferId == transferId ? upload : null;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<List<KeptUpload>> ListAsync(CancellationToken cancellationToken)
    {
        var kept = new List<KeptUpload>();
        foreach (var key in await S3Listing.KeysAsync(client, bucket, Prefix, cancellationToken).ConfigureAwait(false))
        {
            if (TransferIdOf(key) is { } transferId && await ReadAsync(transferId, cancellationToken).ConfigureAwait(false) is { } upload)
            {
                kept.Add(upload);
            }
        }
        return kept;
    }

    public Task DeleteAsync(Guid transferId, CancellationToken cancellationToken) =>
        client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = KeyOf(transferId) }, cancellationToken);

    /// <summary>Removes a kept upload: its manifest first (so no receiver takes up an upload being aborted), then the upload.</summary>
    public async Task DiscardAsync(KeptUpload upload, CancellationToken cancellationToken)
    {
        await DeleteAsync(upload.Transfer.File.TransferId, cancellationToken).ConfigureAwait(false);
        try
        {
            await client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = bucket, Key = upload.StagingKey, UploadId = upload.UploadId }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            // Completed or aborted already (by another receiver, or by a lifecycle rule).
        }
    }

    private string KeyOf(Guid transferId) => $"{Prefix}{transferId:N}.json";

    private Guid? TransferIdOf(string key) =>
        key.StartsWith(Prefix, StringComparison.Ordinal) && key.EndsWith(".json", StringComparison.Ordinal)
        && Guid.TryParseExact(key.Substring(Prefix.Length, key.Length - Prefix.Length - ".json".Length), "N", out var id) ? id : null;
}
