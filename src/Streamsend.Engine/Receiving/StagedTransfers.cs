using Confluent.Kafka;
using Streamsend.Engine.Events;
using Streamsend.Engine.Sinks;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Receiving;

/// <summary>
/// The incomplete transfers a receiver stages at its destination: open in this run (each a <see cref="TransferAssembly"/>),
/// or kept by an earlier run and not taken up yet. Both count against -MaxStagedBytes and expire alike; checkpoints make
/// what they staged durable meanwhile, and a receiver that stops or loses their partitions keeps them for whichever run
/// continues them. Touched on the loop thread only.
/// </summary>
internal sealed class StagedTransfers
{
    /// <summary>How often a transfer still holding its offsets records its staged data (a flush to disk each time).</summary>
    private static readonly TimeSpan CheckpointInterval = TimeSpan.FromSeconds(10);

    private readonly ReceiveOptions options;
    private readonly IEngineEventSink events;
    private readonly ReceiveTally tally;
    private readonly TransferEnds ends;
    private readonly SafeOffsetTracker offsets;
    private readonly Dictionary<Guid, TransferAssembly> open = new();
    // Incomplete transfers an earlier run kept and this one has not taken up: they count against -MaxStagedBytes and expire like open ones.
    private readonly Dictionary<Guid, KeptTransfer> dormant = new();

    public StagedTransfers(ReceiveOptions options, IEngineEventSink events, ReceiveTally tally, TransferEnds ends, SafeOffsetTracker offsets)
    {
        this.options = options;
        this.events = events;
        this.tally = tally;
        this.ends = ends;
        this.offsets = offsets;
    }

    /// <summary>The file a chunk's header describes, as sinks and kept manifests know it.</summary>
    public static IncomingFile IncomingOf(ChunkHeader header) =>
        new(header.TransferId, header.RelativePath, header.Sender, header.FileSize, header.LastWriteTimeUtc, header.ChunkCount);

    /// <summary>Takes note of the incomplete transfers earlier runs kept at the destination.</summary>
    public async Task LoadKeptAsync(CancellationToken cancellationToken)
    {
        foreach (var kept in await options.Sink.KeptAsync(cancellationToken).ConfigureAwait(false))
        {
            dormant[kept.File.TransferId] = kept;
        }
        if (dormant.Count > 0)
        {
            events.Verbose($"{dormant.Count} incomplete transfers kept by earlier runs ({dormant.Values.Sum(k => k.Progress.BytesOf(k.File.Size))} bytes staged) wait for their remaining chunks.");
        }
    }

    /// <summary>The open transfer, or null.</summary>
    public TransferAssembly? Open(Guid transferId) => open.TryGetValue(transferId, out var assembly) ? assembly : null;

    /// <summary>
    /// Opens a transfer, taking up what an earlier run kept of it; null when -MaxStagedBytes leaves no room for it (its
    /// message is then held and the refusal reported). Throws what the destination throws.
    /// </summary>
    public async Task<TransferAssembly?> BeginAsync(ChunkHeader header, IncomingFile incoming, TopicPartitionOffset message, CancellationToken cancellationToken)
    {
        var wasKept = dormant.Remove(header.TransferId);
        if (!wasKept && StagedBytes() is var staged && staged + header.FileSize > options.MaxStagedBytes)
        {
            offsets.Hold(message);
            ends.Record(header.TransferId, TransferEnd.Deferred);
            tally.Fail(IncompleteTransfers.StagingFull(header, staged, options.MaxStagedBytes));
            return null;
        }
        var partial = await options.Sink.BeginAsync(incoming, cancellationToken).ConfigureAwait(false);
        var assembly = new TransferAssembly(header, partial);
        open.Add(header.TransferId, assembly);
        if (partial.Kept is not null)
        {
            events.Verbose($"'{header.RelativePath}' (transfer {header.TransferId:N}): taking up the {assembly.KeptBytes} bytes an earlier run staged.");
            await assembly.CatchUpAsync(cancellationToken).ConfigureAwait(false);
        }
        return assembly;
    }

    /// <summary>A complete transfer leaves for the land stage.</summary>
    public void Complete(TransferAssembly assembly) => open.Remove(assembly.First.TransferId);

    /// <summary>Ends a transfer: its staged data goes, late chunks of it will be ignored, and (unless deferred) its offsets stop holding commits back.</summary>
    public async Task EndAsync(Guid transferId, TransferEnd end)
    {
        if (open.Remove(transferId, out var assembly))
        {
            await ends.EndAsync(assembly, end).ConfigureAwait(false);
        }
        else
        {
            ends.Record(transferId, end);
        }
    }

    /// <summary>Ends a transfer its sender abandoned, open or kept, and discards what is kept of it; returns the bytes that had arrived.</summary>
    public async Task<long> AbandonAsync(Guid transferId)
    {
        var received = open.TryGetValue(transferId, out var abandoned) ? abandoned.BytesReceived : dormant.TryGetValue(transferId, out var kept) ? kept.Progress.BytesOf(kept.File.Size) : 0;
        await EndAsync(transferId, TransferEnd.Aborted).ConfigureAwait(false);
        dormant.Remove(transferId);
        await options.Sink.DiscardKeptAsync(transferId).ConfigureAwait(false);
        return received;
    }

    /// <summary>
    /// Gives up, once each, incomplete transfers (open or kept by earlier runs) no chunk of which was sent within
    /// -IncompleteTimeout after their newest one, as far as this receiver has read (<paramref name="readUpTo"/>, see <see cref="ExpiryHorizon"/>).
    /// </summary>
    public async Task ExpireStaleAsync(DateTimeOffset readUpTo, DateTimeOffset now)
    {
        bool Expired(DateTimeOffset newest) => readUpTo != DateTimeOffset.MinValue && readUpTo - newest >= options.IncompleteTransferTimeout;
        foreach (var assembly in open.Values.Where(a => Expired(a.NewestChunkAt)).ToList())
        {
            var header = assembly.First;
            await EndAsync(header.TransferId, TransferEnd.Rejected).ConfigureAwait(false);
            var file = IncomingOf(header);
            ReportExpired(file, assembly.IsLost, assembly.BytesReceived, $" (chunks {ChunkRanges.Describe(assembly.Missing())} never did)", assembly.NewestChunkAt, now, assembly.FinalLocation);
        }
        foreach (var kept in dormant.Values.Where(k => Expired(k.Progress.NewestChunkAt)).ToList())
        {
            dormant.Remove(kept.File.TransferId);
            ends.Record(kept.File.TransferId, TransferEnd.Rejected);
            await options.Sink.DiscardKeptAsync(kept.File.TransferId).ConfigureAwait(false);
            ReportExpired(kept.File, kept.Progress.LostReported, kept.Progress.BytesOf(kept.File.Size), " (kept by an earlier run)", kept.Progress.NewestChunkAt, now, kept.File.RelativePath);
        }
    }

    /// <summary>Once per file: one reported lost already is only noted, as its kept data goes.</summary>
    private void ReportExpired(IncomingFile file, bool lostReported, long bytesReceived, string missing, DateTimeOffset newestChunkAt, DateTimeOffset now, string location)
    {
        if (lostReported)
        {
            events.Verbose($"The staged data of '{file.RelativePath}' (transfer {file.TransferId:N}), reported lost earlier, was removed: its sender did not resume it within -IncompleteTimeout ({options.IncompleteTransferTimeout}).");
            return;
        }
        tally.Fail(IncompleteTransfers.Expired(file, bytesReceived, missing, newestChunkAt, now, options.IncompleteTransferTimeout, location));
    }

    /// <summary>Bytes incomplete transfers stage now (their full sizes: staged files fill up), open or kept.</summary>
    private long StagedBytes() => open.Values.Sum(a => a.First.FileSize) + dormant.Values.Sum(k => k.File.Size);

    /// <summary>
    /// Makes staged data durable with a record of it, for transfers that are lost (their offsets no longer hold
    /// commits back, so this must come before the commit) or whose last checkpoint is old: a killed receiver's
    /// successor then continues them instead of starting over.
    /// </summary>
    public async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        foreach (var assembly in open.Values.Where(a => a.CheckpointDue(CheckpointInterval)))
        {
            try
            {
                await assembly.CheckpointAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (StreamsendException e)
            {
                events.Verbose($"Could not checkpoint '{assembly.FinalLocation}' ({e.Message}); it is tried again.");
            }
        }
    }

    /// <summary>Keeps open transfers' staged data for the next run (where the sink can keep it), says what happens to each, and returns how many there were.</summary>
    public async Task<int> KeepIncompleteAsync()
    {
        var incomplete = open.Values.ToList();
        foreach (var assembly in incomplete)
        {
            var header = assembly.First;
            var kept = await KeepAsync(assembly).ConfigureAwait(false);
            var state = $"'{header.RelativePath}' from sender '{header.Sender}' was incomplete when the receiver stopped ({assembly.BytesReceived} of {header.FileSize} bytes)";
            var window = $"-IncompleteTimeout ({options.IncompleteTransferTimeout})";
            events.Warning((assembly.IsLost, kept) switch
            {
                (true, true) => $"{state}; it was reported lost, and its staged data is kept in case its sender resumes it within {window}.",
                (true, false) => $"{state}; it was reported lost, and its staged data was discarded: this destination cannot keep it between runs.",
                (false, true) => $"{state}; its staged data is kept and its offsets were not committed, so the next run continues it. It is given up if no chunk of it is sent within {window} of its newest one.",
                (false, false) => $"{state}; its offsets were not committed, so the next run receives it again. It is given up if no chunk of it is sent within {window} of its newest one.",
            });
        }
        open.Clear();
        return incomplete.Count;
    }

    /// <summary>Files with chunks in partitions this receiver lost cannot complete here; the new owner receives them.</summary>
    public async Task DropRevokedAsync(HashSet<TopicPartition> revoked)
    {
        foreach (var assembly in open.Values.Where(a => a.Messages.Any(m => revoked.Contains(m.TopicPartition))).ToList())
        {
            open.Remove(assembly.First.TransferId);
            var kept = await KeepAsync(assembly).ConfigureAwait(false);
            events.Verbose($"'{assembly.First.RelativePath}' moved to another receiver of group '{options.GroupId}' (partitions reassigned){(kept ? "; its staged data is kept for whichever receiver of this destination continues it" : "")}.");
        }
    }

    /// <summary>Keeps what the transfer staged; a sink that fails to keep it loses nothing, since its offsets still hold it (unless lost).</summary>
    private async Task<bool> KeepAsync(TransferAssembly assembly)
    {
        try
        {
            return await assembly.KeepAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (StreamsendException e)
        {
            events.Verbose($"Could not keep the staged data of '{assembly.FinalLocation}': {e.Message}");
            await assembly.AbortAsync().ConfigureAwait(false);
            return false;
        }
        finally
        {
            await assembly.DisposeAsync().ConfigureAwait(false);
        }
    }
}
