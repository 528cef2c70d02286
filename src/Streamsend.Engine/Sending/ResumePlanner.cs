using System.Security.Cryptography;
using Streamsend.Engine.Events;
using Streamsend.Engine.Kafka;
using Streamsend.Engine.Platform;
using Streamsend.Engine.Resume;

namespace Streamsend.Engine.Sending;

/// <summary>
/// Decides whether a file continues a transfer that an earlier run began: only when the saved state fits, the file
/// has the same length and last write time, and every chunk Kafka acknowledged before still holds the same bytes,
/// proven by reading the file once here (the local disk is cheaper than the link). That one read also yields the
/// whole file's MD5, which the last chunk carries. A file that changed is sent as a new transfer, and receivers are
/// told to discard the old one, which will never be resumed.
/// </summary>
internal sealed class ResumePlanner
{
    private readonly ResumeStore store;
    private readonly SendOptions options;
    private readonly TopicLayout layout;
    private readonly IEngineEventSink events;
    private readonly ChunkBufferPool buffers;
    private readonly Func<Guid, string, int, Task> discard;

    /// <param name="discard">Tells receivers to discard a transfer (its id, relative path and first partition).</param>
    public ResumePlanner(ResumeStore store, SendOptions options, TopicLayout layout, IEngineEventSink events, ChunkBufferPool buffers, Func<Guid, string, int, Task> discard)
    {
        this.store = store;
        this.options = options;
        this.layout = layout;
        this.events = events;
        this.buffers = buffers;
        this.discard = discard;
    }

    public ResumeStore Store => store;

    public ResumeKey KeyOf(SendRequest request) => ResumeKey.For(options, request);

    /// <summary>The next attempt of the saved transfer of this file, or null: there is none, or it cannot be resumed.</summary>
    public async Task<TransferPlan?> ResumeAsync(SendRequest request, PositionalFile file, long length, DateTime lastWriteUtc, CancellationToken cancellationToken)
    {
        var key = KeyOf(request);
        var state = store.Load(key, out var warning);
        if (warning is not null)
        {
            events.Warning(warning);
        }
        if (state is null)
        {
            return null;
        }
        AcknowledgedChunks? chunks = null;
        string? reason;
        try
        {
            chunks = AcknowledgedChunks.From(state);
            reason = WhyNotResumable(state, request, length, lastWriteUtc);
        }
        catch (FormatException e)
        {
            reason = $"has a resume state that does not fit it ({e.Message})";
        }
        string? md5 = null;
        if (reason is null)
        {
            (md5, reason) = await Task.Run(() => Verify(file, state, chunks!, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        if (reason is not null)
        {
            events.Warning($"'{request.FullPath}' {reason}: it is sent as a new transfer, and receivers are told to discard the one an earlier run began ({state.TransferId:N}, {state.AcknowledgedBytes:N0} of {state.Length:N0} bytes acknowledged).");
            await discard(state.TransferId, state.RelativePath, state.FirstPartition).ConfigureAwait(false);
            store.Remove(key);
            return null;
        }
        events.Verbose($"Resuming '{request.FullPath}' (transfer {state.TransferId:N}, attempt {state.Attempt + 1}): {chunks!.AcknowledgedBytes:N0} of {length:N0} bytes were acknowledged by an earlier run and are not sent again.");
        return new TransferPlan
        {
            Transfer = state with { Attempt = state.Attempt + 1 },
            Chunks = chunks,
            ResumedBytes = chunks.AcknowledgedBytes,
            Md5 = md5,
        };
    }

    private string? WhyNotResumable(ResumeState state, SendRequest request, long length, DateTime lastWriteUtc)
    {
        if (length != state.Length || lastWriteUtc != state.LastWriteUtc)
        {
            return $"changed since an earlier run began sending it (now {length:N0} bytes written {lastWriteUtc:o}, then {state.Length:N0} bytes written {state.LastWriteUtc:o})";
        }
        if (request.RelativePath != state.RelativePath)
        {
            return $"is now sent as '{request.RelativePath}', where an earlier run began sending it as '{state.RelativePath}'";
        }
        if (state.PartitionCount > layout.PartitionCount || state.FirstPartition < 0 || state.FirstPartition >= state.PartitionCount || state.Attempt < 1)
        {
            return $"was begun on {state.PartitionCount} partitions, and topic '{options.Topic}' now has {layout.PartitionCount} (was it recreated?)";
        }
        if (DateTime.UtcNow - state.SavedUtc > options.ResumeWithin)
        {
            return $"was last sent to at {state.SavedUtc:o}, more than {options.ResumeWithin} ago, after which receivers give up an incomplete transfer";
        }
        return null;
    }

    /// <summary>
    /// Reads the file once, in chunks: each acknowledged chunk must have the fingerprint saved when it was sent. Returns
    /// the whole file's MD5, or why the file is not the one sent. Every chunk's fingerprint is kept, so that the send
    /// can tell if a chunk it reads again changed since.
    /// </summary>
    private (string? Md5, string? Changed) Verify(PositionalFile file, ResumeState state, AcknowledgedChunks chunks, CancellationToken cancellationToken)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var buffer = buffers.Rent(state.ChunkSize);
        for (var index = 0; index < state.ChunkCount; index++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var offset = (long)index * state.ChunkSize;
            var length = (int)Math.Min(state.ChunkSize, state.Length - offset);
            var data = buffer.Buffer.AsSpan(0, length);
            if (!SourceFile.TryReadExactly(file, data, offset))
            {
                return (null, "became shorter while it was checked");
            }
            var fingerprint = AcknowledgedChunks.Fingerprint(data);
            if (chunks.IsAcknowledged(index) && chunks.FingerprintOf(index) != fingerprint)
            {
                return (null, $"holds other bytes in chunk {index} (offset {offset:N0}) than an earlier run sent, with the same length and last write time");
            }
            chunks.Remember(index, fingerprint);
            md5.AppendData(buffer.Buffer, 0, length);
        }
        return (Convert.ToHexString(md5.GetHashAndReset()).ToLowerInvariant(), null);
    }
}
