using System.Runtime.InteropServices;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Streamsend.Engine.Sinks.ObjectStore;

namespace Streamsend.Engine.Sinks.AzureBlob;

/// <summary>
/// A file on its way into a block blob. Each chunk is staged as one block under the blob's final name as it arrives
/// (<see cref="BlockIds"/>: the transfer and the chunk's offset), in any order; nothing is visible there until the
/// verified commit. A file that arrives in one write skips staging: one Put Blob, at commit.
/// </summary>
/// <remarks>
/// Nothing is kept between runs (<see cref="Kept"/> is null, <see cref="CheckpointAsync"/> and <see cref="KeepAsync"/>
/// return false), though the blocks themselves outlive the run as uncommitted blocks. Continuing from them would need the
/// whole file's MD5, and uncommitted blocks cannot be read back: the only way to read them is to commit them, and they
/// can be committed only under the final name, which would make an unverified blob visible there. So a later run
/// receives the transfer again from Kafka (its offsets were never committed) and stages the same block ids again,
/// replacing the blocks rather than adding to them; a transfer whose chunks the topic no longer holds cannot land.
/// </remarks>
internal sealed class AzurePartialFile : IPartialFile
{
    private static readonly UploadTransferValidationOptions Md5Validation = new() { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 };

    private readonly AzureBlobSink sink;
    private readonly IncomingFile file;
    private readonly string name;
    private readonly string? warning;
    private readonly BlobRequestConditions? conditions;
    private readonly BlockBlobClient blob;
    private readonly HeldChunks held;
    private readonly BackgroundUploads uploads;
    private readonly SortedDictionary<long, int> blocks = new();
    private ReadOnlyMemory<byte>? whole;
    private bool finished;

    /// <param name="conditions">What the commit requires of the blob there: as it was when the file began (null with -Overwrite).</param>
    public AzurePartialFile(AzureBlobSink sink, IncomingFile file, string name, string? warning, BlobRequestConditions? conditions)
    {
        this.sink = sink;
        this.file = file;
        this.name = name;
        this.warning = warning;
        this.conditions = conditions;
        blob = sink.Container.GetBlockBlobClient(name);
        FinalLocation = sink.UriOf(name);
        held = new HeldChunks(sink.Budget, FinalLocation, "Azure");
        uploads = new BackgroundUploads(sink.UploadSlots);
    }

    public string FinalLocation { get; }

    /// <summary>Always null: see the remarks; a file is never taken up from blocks an earlier run staged.</summary>
    public StagedProgress? Kept => null;

    /// <summary>Never: the receiver hashes every file as it arrives (no file is taken up, see <see cref="Kept"/>).</summary>
    public bool HashesItself => false;

    /// <summary>Not offered (<see cref="HashesItself"/> is false): uncommitted blocks cannot be read back.</summary>
    public ValueTask<string> HashStagedAsync(CancellationToken cancellationToken) =>
        throw new NotSupportedException("The receiver hashes an Azure blob as it arrives: AzurePartialFile.HashesItself is false.");

    /// <summary>False: nothing is recorded, as a later run cannot continue from the staged blocks (see the remarks).</summary>
    public ValueTask<bool> CheckpointAsync(StagedProgress progress, CancellationToken cancellationToken) => new(false);

    /// <summary>
    /// Keeps nothing: stops the block uploads and lets go of the blob name, as <see cref="AbortAsync"/> does. The blocks
    /// already staged are not deleted (Azure cannot drop uncommitted blocks alone); the next run re-stages the same ids.
    /// </summary>
    public async ValueTask<bool> KeepAsync(StagedProgress progress, CancellationToken cancellationToken)
    {
        await AbortAsync().ConfigureAwait(false);
        return false;
    }

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        uploads.ThrowIfFailed(FinalLocation, "a block");
        if (offset == 0 && data.Length == file.Size)
        {
            whole = held.Add(0, data.Span, uploads: 1);
            return;
        }
        var copy = held.Add(offset, data.Span, uploads: 1);
        blocks.Add(offset, data.Length);
        await uploads.StartAsync(token => StageAsync(offset, copy, token), () => held.Uploaded(offset), cancellationToken).ConfigureAwait(false);
    }

    public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        held.Read(offset, buffer.Span);
        return ValueTask.CompletedTask;
    }

    public async ValueTask<LandedObject> CommitAsync(string md5, CancellationToken cancellationToken)
    {
        var headers = new BlobHttpHeaders { ContentHash = Convert.FromHexString(md5) };
        var metadata = AzureBlobSink.Metadata.Of(file, md5).ToDictionary(pair => pair.Key, pair => pair.Value);
        try
        {
            BlobContentInfo landed;
            if (blocks.Count == 0)
            {
                using var body = StreamOver(whole ?? ReadOnlyMemory<byte>.Empty);
                landed = await blob.UploadAsync(body, new BlobUploadOptions { HttpHeaders = headers, Metadata = metadata, Conditions = conditions, TransferValidation = Md5Validation }, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await uploads.CompleteAsync(FinalLocation, "a block").ConfigureAwait(false);
                EnsureBlocksCoverFile();
                var ids = blocks.Keys.Select(offset => BlockIds.Of(file.TransferId, offset));
                landed = await blob.CommitBlockListAsync(ids, new CommitBlockListOptions { HttpHeaders = headers, Metadata = metadata, Conditions = conditions }, cancellationToken).ConfigureAwait(false);
            }
            Finish();
            return new LandedObject(FinalLocation, landed.ETag.ToString(), warning);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            throw new StreamsendException("DestinationWriteFailed", ErrorKind.WriteError,
                $"Cannot land '{FinalLocation}': a blob was written there since this file began, and it is not replaced unseen. The next run receives the file again and applies the collision rules to what is there then.", FinalLocation, e);
        }
        catch (Exception e) when (AzureErrors.IsStoreFailure(e))
        {
            throw new StreamsendException("DestinationWriteFailed", ErrorKind.WriteError, $"Cannot land '{FinalLocation}': {AzureErrors.Describe(e)}, signed with {sink.Credential.Description}. It will be received again by the next run.", FinalLocation, e);
        }
    }

    /// <summary>
    /// The byte ranges of this transfer already staged as uncommitted blocks under its blob name, in offset order: what
    /// a run of the receiver that was stopped before it committed left there. A restarted receiver can skip staging them
    /// again (the bytes still have to be hashed, and blocks cannot be read before they are committed).
    /// </summary>
    public async Task<IReadOnlyList<(long Offset, long Length)>> StagedRangesAsync(CancellationToken cancellationToken)
    {
        try
        {
            var list = await blob.GetBlockListAsync(BlockListTypes.Uncommitted, cancellationToken: cancellationToken).ConfigureAwait(false);
            var staged = new List<(long Offset, long Length)>();
            foreach (var block in list.Value.UncommittedBlocks ?? Enumerable.Empty<BlobBlock>())
            {
                if (BlockIds.TryParse(block.Name, out var transfer, out var offset) && transfer == file.TransferId)
                {
                    staged.Add((offset, block.SizeLong));
                }
            }
            return staged.OrderBy(range => range.Offset).ToList();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return Array.Empty<(long, long)>();
        }
        catch (Exception e) when (AzureErrors.IsStoreFailure(e))
        {
            throw new StreamsendException("DestinationWriteFailed", ErrorKind.ReadError, $"Cannot list the staged blocks of '{FinalLocation}': {AzureErrors.Describe(e)}, signed with {sink.Credential.Description}.", FinalLocation, e);
        }
    }

    /// <summary>Stops the block uploads. The blocks already staged stay uncommitted: never visible, discarded by the next commit of this name or by Azure after seven days.</summary>
    public async ValueTask AbortAsync()
    {
        if (finished)
        {
            return;
        }
        Finish();
        await uploads.CancelAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await AbortAsync().ConfigureAwait(false);
        held.Dispose();
        uploads.Dispose();
    }

    private async Task StageAsync(long offset, ReadOnlyMemory<byte> block, CancellationToken cancellationToken)
    {
        using var body = StreamOver(block);
        await blob.StageBlockAsync(BlockIds.Of(file.TransferId, offset), body, new BlockBlobStageBlockOptions { TransferValidation = Md5Validation }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The receiver commits only a complete file; a gap here would land a wrong blob, so it fails instead.</summary>
    private void EnsureBlocksCoverFile()
    {
        var end = 0L;
        foreach (var (offset, length) in blocks)
        {
            if (offset != end)
            {
                break;
            }
            end += length;
        }
        if (end != file.Size)
        {
            throw new StreamsendException("StagedDataMissing", ErrorKind.InvalidData, $"Cannot land '{FinalLocation}': its staged blocks cover {end} of its {file.Size} bytes from the start.", FinalLocation);
        }
    }

    private void Finish()
    {
        finished = true;
        sink.EndStaging(name, file);
    }

    private static MemoryStream StreamOver(ReadOnlyMemory<byte> bytes) =>
        MemoryMarshal.TryGetArray(bytes, out var segment) && segment.Array is not null
            ? new MemoryStream(segment.Array, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(bytes.ToArray(), writable: false);
}
