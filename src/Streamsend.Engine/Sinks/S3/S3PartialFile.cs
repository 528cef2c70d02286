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
/// <remarks>
/// <para>
/// An incomplete file is kept across runs as its open upload (<see cref="S3KeptUploads"/>): a checkpoint records the
/// parts uploaded and the chunks lying wholly in them. Chunks held in memory for a part not uploaded yet are not
/// recorded; their offsets are still held, so Kafka delivers them again (or the transfer is reported lost). A file
/// that fits in one part, or has no part uploaded yet, keeps nothing.
/// </para>
/// <para>
/// A taken-up file uploads only the parts missing, and since S3 cannot read back parts of an upload that is not
/// complete, it hashes itself (<see cref="IPartialFile.HashesItself"/>): it completes the upload at the staging key
/// and reads the staged object back whole. Two receivers that take up one upload at once (S3 has no rename to claim
/// it with) are safe: both upload the same bytes as the same part numbers, only one CompleteMultipartUpload
/// succeeds, the other's part uploads or completion fail with NoSuchUpload and defer its file (its offsets stay held,
/// and the next run finds it landed), and what lands was read back and verified first.
/// </para>
/// </remarks>
internal sealed class S3PartialFile : IPartialFile
{
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(30);

    private readonly S3Sink sink;
    private readonly IncomingFile file;
    private string finalKey;
    private readonly string stagingKey;
    // The parts an earlier run uploaded, kept when this file was taken up; they are never uploaded again.
    private readonly List<int> uploadedBefore = new();
    private readonly PartLayout layout;
    private readonly HeldChunks held;
    private readonly PartProgress partProgress;
    private readonly string?[] partETags;
    private readonly BackgroundUploads uploads;
    private byte[]? singlePart;
    private string? uploadId;
    private bool stagedObjectExists;
    private bool manifestMayExist;
    private bool finished;

    /// <param name="kept">The upload an earlier run kept of this file at <paramref name="stagingKey"/>, to take up; null for a fresh start.</param>
    public S3PartialFile(S3Sink sink, IncomingFile file, string finalKey, string stagingKey, KeptUpload? kept)
    {
        this.sink = sink;
        this.file = file;
        this.finalKey = finalKey;
        this.stagingKey = stagingKey;
        FinalLocation = sink.Location.UriOf(finalKey);
        layout = new PartLayout(file.Size);
        partETags = new string?[layout.PartCount];
        if (kept is not null)
        {
            uploadId = kept.UploadId;
            foreach (var part in kept.Parts.Where(p => p.Number >= 1 && p.Number <= layout.PartCount && p.ETag is not null))
            {
                partETags[part.Number - 1] = part.ETag;
                uploadedBefore.Add(part.Number - 1);
            }
            var progress = kept.Transfer.ToProgress();
            Kept = progress with { Chunks = InUploadedParts(progress) };
            manifestMayExist = true;
        }
        held = new HeldChunks(sink.Budget, FinalLocation, "S3", holdForHashing: !HashesItself);
        partProgress = new PartProgress(layout, uploadedBefore);
        uploads = new BackgroundUploads(sink.UploadSlots);
    }

    public string FinalLocation { get; }

    public StagedProgress? Kept { get; }

    /// <summary>A taken-up file: the parts an earlier run uploaded cannot be read back until the upload is complete.</summary>
    public bool HashesItself => Kept is not null;

    /// <summary>
    /// Waits for the part uploads in flight, then records the parts uploaded and the chunks lying wholly in them.
    /// False, recording nothing, while no part is uploaded or when the file goes up in one PUT (only memory holds it).
    /// </summary>
    public async ValueTask<bool> CheckpointAsync(StagedProgress progress, CancellationToken cancellationToken)
    {
        // Cancelled (the file is being aborted) or failed (thrown at the next write or the commit): such parts have no ETag.
        await uploads.WaitAsync().ConfigureAwait(false);
        if (uploadId is not { } id || partETags.All(etag => etag is null))
        {
            return false;
        }
        var parts = Enumerable.Range(0, layout.PartCount).Where(part => partETags[part] is not null).Select(part => new KeptPart(part + 1, partETags[part]!)).ToList();
        var kept = new KeptUpload(KeptManifest.Of(file, progress with { Chunks = InUploadedParts(progress) }), stagingKey, id, parts);
        try
        {
            await sink.KeptUploads.WriteAsync(kept, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (S3Errors.IsStoreFailure(e))
        {
            throw new StreamsendException("DestinationWriteFailed", ErrorKind.WriteError, $"Cannot record what is staged of '{FinalLocation}': {e.Message}", FinalLocation, e);
        }
        manifestMayExist = true;
        return true;
    }

    /// <summary>Checkpoints, then lets go of the file without aborting its upload; a file that keeps nothing is aborted.</summary>
    public async ValueTask<bool> KeepAsync(StagedProgress progress, CancellationToken cancellationToken)
    {
        if (finished)
        {
            return false;
        }
        if (!await CheckpointAsync(progress, cancellationToken).ConfigureAwait(false))
        {
            await AbortAsync().ConfigureAwait(false);
            return false;
        }
        // Disposing now returns the held chunks and leaves the upload open.
        finished = true;
        return true;
    }

    /// <summary>Completes the upload at the staging key and hashes the staged object as S3 returns it.</summary>
    public async ValueTask<string> HashStagedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await CompleteUploadAsync(cancellationToken).ConfigureAwait(false);
            using var response = await sink.Client.GetObjectAsync(sink.Location.Bucket, stagingKey, cancellationToken).ConfigureAwait(false);
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            const int blockSize = 1 << 20;
            sink.Budget.Reserve(blockSize, FinalLocation);
            var block = ArrayPool<byte>.Shared.Rent(blockSize);
            try
            {
                int read;
                while ((read = await response.ResponseStream.ReadAsync(block, 0, blockSize, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    md5.AppendData(block, 0, read);
                }
            }
            finally
            {
                ReturnPartBuffer(block, blockSize);
            }
            return Convert.ToHexString(md5.GetHashAndReset()).ToLowerInvariant();
        }
        catch (Exception e) when (S3Errors.IsStoreFailure(e))
        {
            throw new StreamsendException("DestinationWriteFailed", ErrorKind.ReadError, $"Cannot read '{FinalLocation}' back from its staged upload to verify it: {e.Message}. Nothing of it was landed; its offsets are held, so the next run receives again what the topic still holds of it.", FinalLocation, e);
        }
    }

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        uploads.ThrowIfFailed(FinalLocation, "a part");
        held.Add(offset, data.Span, partProgress.PartsOf(offset, data.Length));
        foreach (var part in partProgress.Fill(offset, data.Length))
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
            await uploads.StartAsync(token => UploadPartAsync(part, buffer, length, token), () => ReturnPartBuffer(buffer, length), cancellationToken).ConfigureAwait(false);
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
        await uploads.CancelAsync().ConfigureAwait(false);
        if (uploadId is { } id)
        {
            using var timeout = new CancellationTokenSource(CleanupTimeout);
            try
            {
                await DeleteManifestAsync(timeout.Token).ConfigureAwait(false);
                await sink.Client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = sink.Location.Bucket, Key = stagingKey, UploadId = id }, timeout.Token).ConfigureAwait(false);
                uploadId = null;
            }
            catch (Exception e) when (e is OperationCanceledException || S3Errors.IsStoreFailure(e))
            {
                // The next receiver's PrepareAsync finds the upload under the state prefix and aborts it (or, when its
                // manifest could not be deleted either, counts it as kept until it expires).
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
        await CompleteUploadAsync(cancellationToken).ConfigureAwait(false);
        return await sink.Copier.CopyWithMetadataAsync(stagingKey, finalKey, file, md5, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Makes the staged object at the staging key, once (a taken-up file did so already to hash it).</summary>
    private async Task CompleteUploadAsync(CancellationToken cancellationToken)
    {
        if (stagedObjectExists)
        {
            return;
        }
        await uploads.CompleteAsync(FinalLocation, "a part").ConfigureAwait(false);
        if (partETags.Any(etag => etag is null))
        {
            throw new StreamsendException("DestinationWriteFailed", ErrorKind.WriteError, $"Cannot land '{FinalLocation}': not every part was uploaded. It will be received again by the next run.", FinalLocation);
        }
        // The manifest first: one left behind would name an upload that no longer exists (the next PrepareAsync removes such).
        await DeleteManifestAsync(cancellationToken).ConfigureAwait(false);
        var complete = new CompleteMultipartUploadRequest { BucketName = sink.Location.Bucket, Key = stagingKey, UploadId = uploadId };
        complete.AddPartETags(partETags.Select((etag, index) => new PartETag(index + 1, etag)));
        await sink.Client.CompleteMultipartUploadAsync(complete, cancellationToken).ConfigureAwait(false);
        uploadId = null;
        stagedObjectExists = true;
    }

    private async Task DeleteManifestAsync(CancellationToken cancellationToken)
    {
        if (manifestMayExist)
        {
            await sink.KeptUploads.DeleteAsync(file.TransferId, cancellationToken).ConfigureAwait(false);
            manifestMayExist = false;
        }
    }

    /// <summary>The chunks of <paramref name="progress"/> whose bytes all lie in uploaded parts.</summary>
    private List<int> InUploadedParts(StagedProgress progress) =>
        progress.Chunks.Where(index =>
        {
            var start = index * progress.ChunkSize;
            var end = Math.Min(file.Size, start + progress.ChunkSize);
            return progress.ChunkSize > 0 && start < end
                && Enumerable.Range(layout.PartAt(start), layout.PartAt(end - 1) - layout.PartAt(start) + 1).All(part => partETags[part] is not null);
        }).ToList();

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
