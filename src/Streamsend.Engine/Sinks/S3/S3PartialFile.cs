using System.Buffers;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

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
    private readonly string?[] partETags;
    private readonly List<Task> uploads = new();
    private readonly CancellationTokenSource uploadsCancellation = new();
    private byte[]? singlePart;
    private string? uploadId;
    private bool stagedObjectExists;
    private Exception? uploadFailure;
    private bool finished;

    public S3PartialFile(S3Sink sink, IncomingFile file, string finalKey, string stagingKey)
    {
        this.sink = sink;
        this.file = file;
        this.finalKey = finalKey;
        this.stagingKey = stagingKey;
        FinalLocation = sink.Location.UriOf(finalKey);
        layout = new PartLayout(file.Size);
        held = new HeldChunks(layout, sink.Budget, FinalLocation);
        partETags = new string?[layout.PartCount];
    }

    public string FinalLocation { get; }

    /// <summary>
    /// Never: S3 cannot read back the parts of an upload that is not complete, so a later run could not hash what an
    /// earlier one staged. A restarted receiver receives the transfer again from Kafka (its offsets were held).
    /// </summary>
    public StagedProgress? Kept => null;

    public ValueTask<bool> CheckpointAsync(StagedProgress progress, CancellationToken cancellationToken) => ValueTask.FromResult(false);

    public async ValueTask<bool> KeepAsync(StagedProgress progress, CancellationToken cancellationToken)
    {
        await AbortAsync().ConfigureAwait(false);
        return false;
    }

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ThrowIfUploadFailed();
        foreach (var part in held.Add(offset, data.Span))
        {
            var length = layout.LengthOf(part);
            sink.Budget.Reserve(length, FinalLocation);
            var buffer = ArrayPool<byte>.Shared.Rent(length);
            held.CopyPart(part, buffer.AsSpan(0, length));
            if (layout.IsSinglePut)
            {
                singlePart = buffer;
                continue;
            }
            try
            {
                uploadId ??= await StartUploadAsync(cancellationToken).ConfigureAwait(false);
                // Waiting for a free upload slot is the back-pressure that keeps memory bounded: the receiver stops reading Kafka meanwhile.
                await sink.UploadSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                ReturnPartBuffer(buffer, length);
                if (S3Errors.IsStoreFailure(e))
                {
                    throw new StreamsendException("DestinationWriteFailed", ErrorKind.WriteError, $"Cannot start the upload of '{FinalLocation}': {e.Message}. It will be received again by the next run.", FinalLocation, e);
                }
                throw;
            }
            uploads.Add(UploadPartAsync(part, buffer, length));
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
        uploadsCancellation.Cancel();
        try
        {
            await Task.WhenAll(uploads).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Cancelled or failed part uploads: the upload is aborted below either way.
        }
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
        uploadsCancellation.Dispose();
    }

    private async Task<string> StartUploadAsync(CancellationToken cancellationToken)
    {
        var response = await sink.Client.InitiateMultipartUploadAsync(
            new InitiateMultipartUploadRequest { BucketName = sink.Location.Bucket, Key = stagingKey },
            cancellationToken).ConfigureAwait(false);
        return response.UploadId;
    }

    private async Task UploadPartAsync(int part, byte[] buffer, int length)
    {
        try
        {
            // Off the receiver's thread from here: the part travels while the next chunks are read.
            await Task.Yield();
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
            }, uploadsCancellation.Token).ConfigureAwait(false);
            partETags[part] = response.ETag;
        }
        catch (Exception e) when (!uploadsCancellation.IsCancellationRequested)
        {
            uploadFailure ??= e;
        }
        finally
        {
            ReturnPartBuffer(buffer, length);
            sink.UploadSlots.Release();
        }
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
        await Task.WhenAll(uploads).ConfigureAwait(false);
        ThrowIfUploadFailed();
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

    private void ThrowIfUploadFailed()
    {
        if (uploadFailure is { } e)
        {
            throw new StreamsendException("DestinationWriteFailed", ErrorKind.WriteError, $"Cannot upload a part of '{FinalLocation}': {e.Message}. It will be received again by the next run.", FinalLocation, e);
        }
    }

    private void ReturnPartBuffer(byte[] buffer, int length)
    {
        ArrayPool<byte>.Shared.Return(buffer);
        sink.Budget.Release(length);
    }
}
