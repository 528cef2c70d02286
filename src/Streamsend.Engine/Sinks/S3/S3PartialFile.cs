using System.Buffers;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Streamsend.Engine.Sinks.ObjectStore;

namespace Streamsend.Engine.Sinks.S3;

/// <summary>
/// A file on its way into a bucket. Parts are uploaded as soon as their bytes are all there, in whatever order that
/// happens, to a staging key under the destination's state prefix; only a verified file is copied to its final key with
/// its metadata, so nothing appears there before it is whole. A file that fits in one part skips staging: one PUT, at commit.
/// </summary>
internal sealed class S3PartialFile : IPartialFile
{
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(30);

    private readonly S3Sink sink;
    private readonly IncomingFile file;
    private string finalKey;
    private readonly string stagingKey;
    private readonly PartLayout layout;
    private readonly HeldChunks held;
    private readonly PartProgress progress;
    private readonly string?[] partETags;
    private readonly BackgroundUploads uploads;
    private byte[]? singlePart;
    private string? uploadId;
    private bool stagedObjectExists;
    private bool finished;

    public S3PartialFile(S3Sink sink, IncomingFile file, string finalKey, string stagingKey)
    {
        this.sink = sink;
        this.file = file;
        this.finalKey = finalKey;
        this.stagingKey = stagingKey;
        FinalLocation = sink.Location.UriOf(finalKey);
        layout = new PartLayout(file.Size);
        held = new HeldChunks(sink.Budget, FinalLocation, "S3");
        progress = new PartProgress(layout);
        partETags = new string?[layout.PartCount];
        uploads = new BackgroundUploads(sink.UploadSlots);
    }

    public string FinalLocation { get; }

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        uploads.ThrowIfFailed(FinalLocation, "a part");
        held.Add(offset, data.Span, progress.PartsOf(offset, data.Length));
        foreach (var part in progress.Fill(offset, data.Length))
        {
            var length = layout.LengthOf(part);
            sink.Budget.Reserve(length, FinalLocation);
            var buffer = ArrayPool<byte>.Shared.Rent(length);
            held.CopyForUpload(layout.StartOf(part), buffer.AsSpan(0, length));
            if (layout.IsSinglePut)
            {
                singlePart = buffer;
                continue;
            }
            try
            {
                uploadId ??= await StartUploadAsync(cancellationToken).ConfigureAwait(false);
                await uploads.StartAsync(token => UploadPartAsync(part, buffer, length, token), () => ReturnPartBuffer(buffer, length), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (S3Errors.IsStoreFailure(e))
            {
                throw new StreamsendException("DestinationWriteFailed", ErrorKind.WriteError, $"Cannot start the upload of '{FinalLocation}': {e.Message}. It will be received again by the next run.", FinalLocation, e);
            }
        }
    }

    public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        held.Read(offset, buffer.Span);
        return ValueTask.CompletedTask;
    }

    public async ValueTask<LandedObject> CommitAsync(string md5, CancellationToken cancellationToken)
    {
        try
        {
            string? warning;
            (finalKey, warning) = await sink.LandingKeyAsync(file, finalKey, cancellationToken).ConfigureAwait(false);
            var etag = layout.IsSinglePut
                ? await PutWholeAsync(md5, cancellationToken).ConfigureAwait(false)
                : await CompleteAndCopyAsync(md5, cancellationToken).ConfigureAwait(false);
            finished = true;
            await DeleteStagedObjectAsync().ConfigureAwait(false);
            return new LandedObject(sink.Location.UriOf(finalKey), etag, warning);
        }
        catch (Exception e) when (S3Errors.IsStoreFailure(e))
        {
            throw new StreamsendException("DestinationWriteFailed", ErrorKind.WriteError, $"Cannot land '{FinalLocation}': {e.Message}. It will be received again by the next run.", FinalLocation, e);
        }
    }

    public async ValueTask AbortAsync()
    {
        if (finished)
        {
            return;
        }
        finished = true;
        // Cancelled or failed part uploads: the upload is aborted below either way.
        await uploads.CancelAsync().ConfigureAwait(false);
        if (uploadId is { } id)
        {
            using var timeout = new CancellationTokenSource(CleanupTimeout);
            try
            {
                await sink.Client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = sink.Location.Bucket, Key = stagingKey, UploadId = id }, timeout.Token).ConfigureAwait(false);
                uploadId = null;
            }
            catch (Exception e) when (e is OperationCanceledException || S3Errors.IsStoreFailure(e))
            {
                // The next receiver's PrepareAsync finds it under the state prefix and aborts it.
            }
        }
        await DeleteStagedObjectAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await AbortAsync().ConfigureAwait(false);
        held.Dispose();
        if (singlePart is { } buffer)
        {
            singlePart = null;
            ReturnPartBuffer(buffer, layout.LengthOf(0));
        }
        uploads.Dispose();
    }

    private async Task<string> StartUploadAsync(CancellationToken cancellationToken)
    {
        var response = await sink.Client.InitiateMultipartUploadAsync(
            new InitiateMultipartUploadRequest { BucketName = sink.Location.Bucket, Key = stagingKey },
            cancellationToken).ConfigureAwait(false);
        return response.UploadId;
    }

    private async Task UploadPartAsync(int part, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(buffer, 0, length, writable: false);
        var response = await sink.Client.UploadPartAsync(new UploadPartRequest
        {
            BucketName = sink.Location.Bucket,
            Key = stagingKey,
            UploadId = uploadId,
            PartNumber = part + 1,
            PartSize = length,
            InputStream = body,
            MD5Digest = Convert.ToBase64String(MD5.HashData(buffer.AsSpan(0, length))),
            UseChunkEncoding = sink.UseChunkEncoding,
        }, cancellationToken).ConfigureAwait(false);
        partETags[part] = response.ETag;
    }

    private async Task<string?> PutWholeAsync(string md5, CancellationToken cancellationToken)
    {
        var body = singlePart ?? Array.Empty<byte>();
        var length = layout.LengthOf(0);
        var request = new PutObjectRequest
        {
            BucketName = sink.Location.Bucket,
            Key = finalKey,
            InputStream = new MemoryStream(body, 0, length, writable: false),
            AutoCloseStream = true,
            MD5Digest = Convert.ToBase64String(Convert.FromHexString(md5)),
            UseChunkEncoding = sink.UseChunkEncoding,
        };
        S3ObjectMetadata.Write(request.Metadata, file, md5);
        var response = await sink.Client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
        return response.ETag;
    }

    private async Task<string?> CompleteAndCopyAsync(string md5, CancellationToken cancellationToken)
    {
        await uploads.CompleteAsync(FinalLocation, "a part").ConfigureAwait(false);
        if (partETags.Any(etag => etag is null))
        {
            throw new StreamsendException("DestinationWriteFailed", ErrorKind.WriteError, $"Cannot land '{FinalLocation}': not every part was uploaded. It will be received again by the next run.", FinalLocation);
        }
        var complete = new CompleteMultipartUploadRequest { BucketName = sink.Location.Bucket, Key = stagingKey, UploadId = uploadId };
        complete.AddPartETags(partETags.Select((etag, index) => new PartETag(index + 1, etag)));
        await sink.Client.CompleteMultipartUploadAsync(complete, cancellationToken).ConfigureAwait(false);
        uploadId = null;
        stagedObjectExists = true;
        return await sink.Copier.CopyWithMetadataAsync(stagingKey, finalKey, file, md5, cancellationToken).ConfigureAwait(false);
    }

    private async Task DeleteStagedObjectAsync()
    {
        if (!stagedObjectExists)
        {
            return;
        }
        using var timeout = new CancellationTokenSource(CleanupTimeout);
        try
        {
            await sink.Client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = sink.Location.Bucket, Key = stagingKey }, timeout.Token).ConfigureAwait(false);
            stagedObjectExists = false;
        }
        catch (Exception e) when (e is OperationCanceledException || S3Errors.IsStoreFailure(e))
        {
            // Swept by the next receiver's PrepareAsync.
        }
    }

    private void ReturnPartBuffer(byte[] buffer, int length)
    {
        ArrayPool<byte>.Shared.Return(buffer);
        sink.Budget.Release(length);
    }
}
