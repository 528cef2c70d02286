using System.Diagnostics;
using Confluent.Kafka;
using Streamsend.Engine.Events;
using Streamsend.Engine.Kafka;
using Streamsend.Engine.Sinks;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Receiving;

/// <summary>
/// Consumes a topic and lands every complete, verified file through the sink. Messages that are not ours are counted
/// and skipped; offsets are committed only up to the earliest message of any file not yet landed.
/// </summary>
public sealed class FileReceiver
{
    private readonly ReceiveOptions options;
    private readonly IEngineEventSink events;
    private readonly Dictionary<Guid, TransferAssembly> assemblies = new();
    private readonly RecentTransfers recent = new(capacity: 100_000);
    private readonly SafeOffsetTracker offsets = new();
    private readonly List<TopicPartition> revokedSinceLastMessage = new();
    private readonly List<TopicPartition> assignedSinceLastMessage = new();
    // Chunk-spread transfers refused because this receiver owned only some partitions, with the messages of theirs it
    // holds. Owning only some partitions can be a passing state (a restarted receiver shares the group with its dead
    // predecessor until that one's session times out), so the refusal lasts only until the assignment changes and the
    // offsets stay held: a receiver that owns every partition receives the file again.
    private readonly Dictionary<Guid, List<TopicPartitionOffset>> refusedForAssignment = new();
    // Incomplete transfers an earlier run kept and this one has not taken up: they count against -MaxStagedBytes and expire like open ones.
    private readonly Dictionary<Guid, KeptTransfer> dormant = new();
    private readonly ExpiryHorizon horizon = new();
    private readonly LandingStage landing;
    private IConsumer<Ignore, PooledBytes>? consumer;
    private int topicPartitionCount;
    private bool everAssigned;
    private bool ownsOnlySomePartitions;

    /// <summary>How much longer than -IdleTimeout a receiver waits for its first partitions (Kafka's default session timeout).</summary>
    private static readonly TimeSpan UnassignedGrace = TimeSpan.FromSeconds(45);
    private int landed;
    private int failed;
    private long foreign;

    private FileReceiver(ReceiveOptions options, IEngineEventSink events)
    {
        this.options = options;
        this.events = events;
        landing = new LandingStage(options.ConcurrentLandings);
    }

    /// <summary>Receives until a stop condition of <paramref name="options"/> is met or <paramref name="cancellationToken"/> fires.</summary>
    public static Task<ReceiveSummary> RunAsync(ReceiveOptions options, IEngineEventSink events, CancellationToken cancellationToken) =>
        Task.Run(() => new FileReceiver(options, events).RunAsync(cancellationToken), CancellationToken.None);

    private async Task<ReceiveSummary> RunAsync(CancellationToken cancellationToken)
    {
        using (var admin = KafkaClients.Admin(options.Kafka, events))
        {
            var layout = TopicMetadataReader.Read(admin, options.Kafka, options.Topic);
            topicPartitionCount = layout.PartitionCount;
            events.Verbose($"Receiving '{options.Topic}' ({layout.PartitionCount} partitions) as group '{options.GroupId}' into {options.Sink.Destination}.");
        }
        await options.Sink.PrepareAsync(cancellationToken).ConfigureAwait(false);
        foreach (var kept in await options.Sink.KeptAsync(cancellationToken).ConfigureAwait(false))
        {
            dormant[kept.File.TransferId] = kept;
        }
        if (dormant.Count > 0)
        {
            events.Verbose($"{dormant.Count} incomplete transfers kept by earlier runs ({dormant.Values.Sum(k => k.Progress.BytesOf(k.File.Size))} bytes staged) wait for their remaining chunks.");
        }
        using var consumer = KafkaClients.Consumer(options.Kafka, ConsumerDefaults(options.GroupId), events, builder => builder
            .SetPartitionsAssignedHandler((_, assigned) =>
            {
                assignedSinceLastMessage.AddRange(assigned);
                horizon.Reassigned(Array.Empty<TopicPartition>());
            })
            .SetPartitionsRevokedHandler((c, revoked) => OnRevoked(c, revoked.Select(r => r.TopicPartition), commit: true))
            .SetPartitionsLostHandler((c, lost) => OnRevoked(c, lost.Select(r => r.TopicPartition), commit: false)));
        this.consumer = consumer;
        consumer.Subscribe(options.Topic);
        var stopReason = ReceiveStopReason.Cancelled;
        var running = Stopwatch.StartNew();
        var sinceMessage = Stopwatch.StartNew();
        var sinceCommit = Stopwatch.StartNew();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (options.Timeout is { } timeout && running.Elapsed >= timeout)
                {
                    stopReason = ReceiveStopReason.Timeout;
                    break;
                }
                // Idle time counts from the group's assignment: joining a group can take a session timeout.
                if (options.IdleTimeout is { } idle && sinceMessage.Elapsed >= idle && (everAssigned || running.Elapsed >= idle + UnassignedGrace))
                {
                    stopReason = ReceiveStopReason.IdleTimeout;
                    break;
                }
                var result = Consume(consumer);
                // The value's pooled array goes back when this turn of the loop ends, on every path, unless the chunk
                // was handed to its file's hashing (which returns it itself and leaves this owner empty).
                using var value = result?.Message.Value;
                await DropRevokedAsync(consumer).ConfigureAwait(false);
                if (ReportRetentionGaps(consumer))
                {
                    everAssigned = true;
                    sinceMessage.Restart();
                }
                if (result is null)
                {
                    horizon.Idle();
                }
                else
                {
                    sinceMessage.Restart();
                    var sentAt = SentAt(result.Message.Timestamp);
                    horizon.Read(result.TopicPartition, sentAt);
                    await HandleAsync(result.Message.Headers, result.Message.Value, result.TopicPartitionOffset, sentAt, cancellationToken).ConfigureAwait(false);
                }
                await FinishLandingsAsync().ConfigureAwait(false);
                if (options.MaxFiles is { } maxFiles && landed >= maxFiles)
                {
                    stopReason = ReceiveStopReason.MaxFiles;
                    break;
                }
                if (sinceCommit.Elapsed >= options.CommitInterval)
                {
                    await ExpireStaleAsync().ConfigureAwait(false);
                    await CheckpointAsync(cancellationToken).ConfigureAwait(false);
                    Commit(consumer);
                    sinceCommit.Restart();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stopReason = ReceiveStopReason.Cancelled;
        }
        await landing.WhenAllAsync().ConfigureAwait(false);
        await FinishLandingsAsync().ConfigureAwait(false);
        await ExpireStaleAsync().ConfigureAwait(false);
        var incomplete = await KeepIncompleteAsync().ConfigureAwait(false);
        Commit(consumer);
        consumer.Close();
        events.Verbose($"Receiver stopped ({stopReason}): {landed} landed, {failed} failed, {foreign} foreign messages skipped, {incomplete} incomplete.");
        return new ReceiveSummary(landed, failed, foreign, incomplete, stopReason);
    }

    private ConsumeResult<Ignore, PooledBytes>? Consume(IConsumer<Ignore, PooledBytes> consumer)
    {
        try
        {
            return consumer.Consume(TimeSpan.FromMilliseconds(200));
        }
        catch (ConsumeException e) when (!e.Error.IsFatal)
        {
            events.Verbose($"Consume problem on '{options.Topic}': {e.Error.Reason} ({e.Error.Code}); retrying.");
            return null;
        }
        catch (ConsumeException e)
        {
            throw new StreamsendException("ConsumeFailed", ErrorKind.ConnectionError, $"Cannot consume '{options.Topic}' from {options.Kafka.BootstrapServers}: {e.Error.Reason} ({e.Error.Code}).", options.Topic, e);
        }
    }

    /// <summary>Handles one message; <paramref name="value"/> stays the caller's to dispose (see <see cref="TransferAssembly.AcceptAsync"/>).</summary>
    private async Task HandleAsync(Headers? headers, PooledBytes value, TopicPartitionOffset message, DateTimeOffset sentAt, CancellationToken cancellationToken)
    {
        var decoded = WireCodec.Decode(headers, value.Length);
        if (decoded.Class == MessageClass.Foreign)
        {
            foreign++;
            offsets.Pass(message);
            return;
        }
        if (decoded.Pack is { } pack)
        {
            await LandPackAsync(pack, value.Memory, message, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (decoded.Header is not { } header)
        {
            offsets.Pass(message);
            Fail(new StreamsendException(
                "MalformedMessage",
                ErrorKind.InvalidData,
                $"Skipped a malformed Streamsend message at {message} (claimed path '{decoded.ClaimedPath ?? "?"}'): {decoded.Problem}.",
                decoded.ClaimedPath ?? message.ToString()));
            return;
        }
        if (landing.TryGet(header.TransferId, out var beingLanded))
        {
            // A repeated chunk of a file being landed holds commits back like its first one, until it has landed.
            offsets.Hold(message);
            beingLanded.HoldAlso(message);
            return;
        }
        if (recent.TryGet(header.TransferId, out var end))
        {
            if (end == TransferEnd.Deferred)
            {
                offsets.Hold(message);
            }
            else
            {
                offsets.Pass(message);
            }
            return;
        }
        if (header.Kind == MessageKind.Abort)
        {
            offsets.Pass(message);
            if (refusedForAssignment.Remove(header.TransferId, out var refused))
            {
                offsets.Release(refused);
            }
            var received = assemblies.TryGetValue(header.TransferId, out var abandoned) ? abandoned.BytesReceived : dormant.TryGetValue(header.TransferId, out var kept) ? kept.Progress.BytesOf(kept.File.Size) : 0;
            await EndAsync(header.TransferId, TransferEnd.Aborted).ConfigureAwait(false);
            dormant.Remove(header.TransferId);
            await options.Sink.DiscardKeptAsync(header.TransferId).ConfigureAwait(false);
            events.Warning($"Sender '{header.Sender}' abandoned '{header.RelativePath}' (transfer {header.TransferId:N}): it will not resume it (the file changed, and a changed file is sent as a new transfer). " +
                $"Nothing of it was landed; the {received} bytes received of it were discarded.");
            return;
        }
        if (refusedForAssignment.TryGetValue(header.TransferId, out var refusedMessages))
        {
            offsets.Hold(message);
            refusedMessages.Add(message);
            return;
        }
        var assembly = await AssemblyForAsync(header, message, cancellationToken).ConfigureAwait(false);
        if (assembly is null)
        {
            return;
        }
        if (assembly.Misfit(header, value.Length) is { } misfit)
        {
            offsets.Pass(message);
            await EndAsync(header.TransferId, TransferEnd.Rejected).ConfigureAwait(false);
            Fail(new StreamsendException("InconsistentTransfer", ErrorKind.InvalidData, $"'{assembly.FinalLocation}' was not landed: {misfit}.", assembly.FinalLocation));
            return;
        }
        if (assembly.Has(header.ChunkIndex))
        {
            // Staged already (delivered again after a restart, or sent again by a resumed sender): it holds commits
            // back like its first delivery, unless the transfer is lost and holds nothing back any more.
            if (assembly.IsLost)
            {
                offsets.Pass(message);
            }
            else
            {
                offsets.Hold(message);
                assembly.HoldAlso(message);
            }
            ReportIfLost(assembly, header, message);
            return;
        }
        if (assembly.IsLost)
        {
            offsets.Pass(message);
        }
        else
        {
            offsets.Hold(message);
        }
        try
        {
            await assembly.AcceptAsync(header, value, message, sentAt, cancellationToken).ConfigureAwait(false);
        }
        catch (StreamsendException e)
        {
            // Its offsets stay held, so nothing is committed past it and the next run receives it again.
            await EndAsync(header.TransferId, TransferEnd.Deferred).ConfigureAwait(false);
            Fail(e);
            return;
        }
        events.Post(new ProgressEvent(new TransferProgress(header.TransferId, header.RelativePath, assembly.BytesReceived, header.FileSize, assembly.Elapsed.Elapsed, IsComplete: false)));
        if (assembly.IsComplete)
        {
            await SubmitLandingAsync(assembly).ConfigureAwait(false);
            return;
        }
        ReportIfLost(assembly, header, message);
    }

    /// <summary>
    /// Reports a transfer lost, once, when the chunk before this one on its partition is missing (see
    /// <see cref="TransferAssembly.MissingBeforeOnItsPartition"/>): its offsets stop holding commits back, so later
    /// files land and later runs do not meet it again, and its staged data is kept in case its sender resumes it.
    /// </summary>
    private void ReportIfLost(TransferAssembly assembly, ChunkHeader header, TopicPartitionOffset message)
    {
        if (assembly.IsLost)
        {
            return;
        }
        var missing = assembly.MissingBeforeOnItsPartition(header);
        if (missing.Count == 0)
        {
            return;
        }
        assembly.MarkLost();
        offsets.Release(assembly.Messages);
        var logStart = consumer?.GetWatermarkOffsets(message.TopicPartition).Low ?? Offset.Unset;
        Fail(IncompleteTransfers.Lost(assembly, missing, message, logStart, options.IncompleteTransferTimeout));
    }

    private async Task LandPackAsync(PackHeader pack, ReadOnlyMemory<byte> value, TopicPartitionOffset message, CancellationToken cancellationToken)
    {
        var holdForNextRun = false;
        var elapsed = Stopwatch.StartNew();
        // A deferred entry is tried again when its pack is re-delivered (after a rebalance): skipping it would pass the pack.
        await foreach (var outcome in PackLander.LandAsync(options.Sink, pack, value, id => recent.TryGet(id, out var end) && end != TransferEnd.Deferred, cancellationToken).ConfigureAwait(false))
        {
            if (outcome.Error is { } error)
            {
                // A destination that refused the file may accept it next run: keep the pack's offset.
                var end = DestinationRefusal.EndFor(error);
                holdForNextRun |= end == TransferEnd.Deferred;
                if (outcome.Entry is { } failedEntry)
                {
                    recent.Add(failedEntry.TransferId, end);
                }
                Fail(error);
                continue;
            }
            var entry = outcome.Entry!;
            recent.Add(entry.TransferId, TransferEnd.Landed);
            if (outcome.AlreadyLanded)
            {
                continue;
            }
            landed++;
            if (outcome.Landed!.Warning is { } landedElsewhere)
            {
                events.Warning(landedElsewhere);
            }
            events.Post(new FileReceivedEvent(new ReceivedFile(
                outcome.Landed.Location, entry.RelativePath, entry.Size, entry.Md5, Verified: true, entry.RelativePath, pack.Sender, entry.TransferId, entry.LastWriteTimeUtc, options.Topic, elapsed.Elapsed, outcome.Landed.ETag)));
        }
        if (holdForNextRun)
        {
            offsets.Hold(message);
        }
        else
        {
            offsets.Pass(message);
        }
    }

    private async Task<TransferAssembly?> AssemblyForAsync(ChunkHeader header, TopicPartitionOffset message, CancellationToken cancellationToken)
    {
        if (assemblies.TryGetValue(header.TransferId, out var existing))
        {
            return existing;
        }
        try
        {
            var incoming = IncomingOf(header);
            if (await options.Sink.WasLandedAsync(incoming, cancellationToken).ConfigureAwait(false))
            {
                offsets.Pass(message);
                recent.Add(header.TransferId, TransferEnd.Landed);
                events.Verbose($"'{header.RelativePath}' (transfer {header.TransferId:N}) already landed before a restart; its chunks are skipped.");
                return null;
            }
            if (header.SpansPartitions && header.ChunkCount > 1 && ownsOnlySomePartitions)
            {
                // Held, not passed: whether this receiver can land the file depends on its current assignment.
                offsets.Hold(message);
                refusedForAssignment[header.TransferId] = new List<TopicPartitionOffset> { message };
                Fail(new StreamsendException(
                    "DistributionMismatch",
                    ErrorKind.InvalidArgument,
                    $"'{header.RelativePath}' (transfer {header.TransferId:N}) was sent with -Distribution Chunk, which spreads a file over every partition, " +
                    $"but this receiver shares group '{options.GroupId}' and owns only some partitions, so it cannot land it and will not land half of it. " +
                    "Send with -Distribution File to share work between receivers of one group, or give each receiver its own -GroupId. " +
                    "Its offsets are not committed, so a receiver of the group that owns every partition receives it again.",
                    header.RelativePath));
                return null;
            }
            var wasKept = dormant.Remove(header.TransferId);
            if (!wasKept && StagedBytes() is var staged && staged + header.FileSize > options.MaxStagedBytes)
            {
                offsets.Hold(message);
                recent.Add(header.TransferId, TransferEnd.Deferred);
                Fail(IncompleteTransfers.StagingFull(header, staged, options.MaxStagedBytes));
                return null;
            }
            var partial = await options.Sink.BeginAsync(incoming, cancellationToken).ConfigureAwait(false);
            var assembly = new TransferAssembly(header, partial);
            assemblies.Add(header.TransferId, assembly);
            if (partial.Kept is not null)
            {
                events.Verbose($"'{header.RelativePath}' (transfer {header.TransferId:N}): taking up the {assembly.KeptBytes} bytes an earlier run staged.");
                await assembly.CatchUpAsync(cancellationToken).ConfigureAwait(false);
            }
            return assembly;
        }
        catch (StreamsendException e)
        {
            // A destination that cannot be read or written now may work next run: keep the offset (see TransferEnd.Deferred).
            var end = DestinationRefusal.EndFor(e);
            if (end == TransferEnd.Deferred)
            {
                offsets.Hold(message);
            }
            else
            {
                offsets.Pass(message);
            }
            recent.Add(header.TransferId, end);
            Fail(e);
            return null;
        }
    }

    /// <summary>Hands a complete file to the land stage; with -MaxFiles, never more files than are still wanted.</summary>
    private async Task SubmitLandingAsync(TransferAssembly assembly)
    {
        assemblies.Remove(assembly.First.TransferId);
        while (true)
        {
            await FinishLandingsAsync().ConfigureAwait(false);
            if (options.MaxFiles is { } maxFiles && landed >= maxFiles)
            {
                // Enough files landed: this one is not, and its offsets stay held, so the next run receives it.
                await assembly.AbortAsync().ConfigureAwait(false);
                await assembly.DisposeAsync().ConfigureAwait(false);
                return;
            }
            if (landing.HasRoom(options.MaxFiles - landed))
            {
                landing.Submit(assembly);
                return;
            }
            await landing.WhenAnyFinishedAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Takes back the files the land stage finished: releases the offsets of each landed (or rejected) one, and reports it.</summary>
    private async Task FinishLandingsAsync()
    {
        if (landing.Count == 0)
        {
            return;
        }
        foreach (var outcome in landing.TakeFinished())
        {
            await FinishLandingAsync(outcome).ConfigureAwait(false);
        }
    }

    private async Task FinishLandingAsync(LandingOutcome outcome)
    {
        var assembly = outcome.Assembly;
        var header = assembly.First;
        if (outcome.Landed is not { } landedObject)
        {
            var end = outcome.Error is null ? TransferEnd.Rejected : TransferEnd.Deferred;
            recent.Add(header.TransferId, end);
            await CloseAsync(assembly, end).ConfigureAwait(false);
            Fail(outcome.Error ?? new StreamsendException(
                "ChecksumMismatch",
                ErrorKind.InvalidData,
                $"'{assembly.FinalLocation}' failed verification and was not landed: the sender's MD5 is {assembly.ExpectedMd5}, the received bytes' MD5 is {outcome.ActualMd5} ({assembly.BytesReceived} of {header.FileSize} bytes). Send the file again.",
                assembly.FinalLocation));
            return;
        }
        recent.Add(header.TransferId, TransferEnd.Landed);
        await CloseAsync(assembly, TransferEnd.Landed).ConfigureAwait(false);
        landed++;
        if (landedObject.Warning is { } landedElsewhere)
        {
            events.Warning(landedElsewhere);
        }
        events.Post(new ProgressEvent(new TransferProgress(header.TransferId, header.RelativePath, header.FileSize, header.FileSize, assembly.Elapsed.Elapsed, IsComplete: true)));
        events.Post(new FileReceivedEvent(new ReceivedFile(
            landedObject.Location,
            header.RelativePath,
            header.FileSize,
            outcome.ActualMd5,
            Verified: true,
            header.RelativePath,
            header.Sender,
            header.TransferId,
            header.LastWriteTimeUtc,
            options.Topic,
            assembly.Elapsed.Elapsed,
            landedObject.ETag)));
    }

    /// <summary>Ends a transfer: its staged data goes, late chunks of it will be ignored, and (unless deferred) its offsets stop holding commits back.</summary>
    private async Task EndAsync(Guid transferId, TransferEnd end)
    {
        recent.Add(transferId, end);
        if (assemblies.Remove(transferId, out var assembly))
        {
            await CloseAsync(assembly, end).ConfigureAwait(false);
        }
    }

    private async Task CloseAsync(TransferAssembly assembly, TransferEnd end)
    {
        if (end != TransferEnd.Landed)
        {
            await assembly.AbortAsync().ConfigureAwait(false);
        }
        await assembly.DisposeAsync().ConfigureAwait(false);
        if (end != TransferEnd.Deferred)
        {
            offsets.Release(assembly.Messages);
        }
    }

    /// <summary>
    /// Gives up, once each, incomplete transfers (open or kept by earlier runs) no chunk of which was sent within
    /// -IncompleteTimeout after their newest one, as far as this receiver has read (<see cref="ExpiryHorizon"/>).
    /// </summary>
    private async Task ExpireStaleAsync()
    {
        if (consumer is null)
        {
            return;
        }
        var now = DateTimeOffset.UtcNow;
        var readUpTo = horizon.Of(consumer, now);
        bool Expired(DateTimeOffset newest) => readUpTo != DateTimeOffset.MinValue && readUpTo - newest >= options.IncompleteTransferTimeout;
        foreach (var assembly in assemblies.Values.Where(a => Expired(a.NewestChunkAt)).ToList())
        {
            var header = assembly.First;
            await EndAsync(header.TransferId, TransferEnd.Rejected).ConfigureAwait(false);
            var file = IncomingOf(header);
            ReportExpired(file, assembly.IsLost, assembly.BytesReceived, $" (chunks {ChunkRanges.Describe(assembly.Missing())} never did)", assembly.NewestChunkAt, now, assembly.FinalLocation);
        }
        foreach (var kept in dormant.Values.Where(k => Expired(k.Progress.NewestChunkAt)).ToList())
        {
            dormant.Remove(kept.File.TransferId);
            recent.Add(kept.File.TransferId, TransferEnd.Rejected);
            await options.Sink.DiscardKeptAsync(kept.File.TransferId).ConfigureAwait(false);
            ReportExpired(kept.File, kept.Progress.LostReported, kept.Progress.BytesOf(kept.File.Size), " (kept by an earlier run)", kept.Progress.NewestChunkAt, now, kept.File.RelativePath);
        }
    }

    /// <summary>The file a chunk's header describes, as sinks and kept manifests know it.</summary>
    private static IncomingFile IncomingOf(ChunkHeader header) =>
        new(header.TransferId, header.RelativePath, header.Sender, header.FileSize, header.LastWriteTimeUtc, header.ChunkCount);

    /// <summary>Once per file: one reported lost already is only noted, as its kept data goes.</summary>
    private void ReportExpired(IncomingFile file, bool lostReported, long bytesReceived, string missing, DateTimeOffset newestChunkAt, DateTimeOffset now, string location)
    {
        if (lostReported)
        {
            events.Verbose($"The staged data of '{file.RelativePath}' (transfer {file.TransferId:N}), reported lost earlier, was removed: its sender did not resume it within -IncompleteTimeout ({options.IncompleteTransferTimeout}).");
            return;
        }
        Fail(IncompleteTransfers.Expired(file, bytesReceived, missing, newestChunkAt, now, options.IncompleteTransferTimeout, location));
    }

    /// <summary>Bytes incomplete transfers stage now (their full sizes: staged files fill up), open or kept.</summary>
    private long StagedBytes() => assemblies.Values.Sum(a => a.First.FileSize) + dormant.Values.Sum(k => k.File.Size);

    /// <summary>
    /// Makes staged data durable with a record of it, for transfers that are lost (their offsets no longer hold
    /// commits back, so this must come before the commit) or whose last checkpoint is old: a killed receiver's
    /// successor then continues them instead of starting over.
    /// </summary>
    private async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        foreach (var assembly in assemblies.Values.Where(a => a.CheckpointDue(CheckpointInterval)))
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

    /// <summary>How often a transfer still holding its offsets records its staged data (a flush to disk each time).</summary>
    private static readonly TimeSpan CheckpointInterval = TimeSpan.FromSeconds(10);

    private static DateTimeOffset SentAt(Timestamp timestamp) =>
        timestamp.Type == TimestampType.NotAvailable || timestamp.UnixTimestampMs <= 0 ? DateTimeOffset.UtcNow : DateTimeOffset.FromUnixTimeMilliseconds(timestamp.UnixTimestampMs);

    /// <summary>Checks partitions assigned since the last call; true when there were any.</summary>
    private bool ReportRetentionGaps(IConsumer<Ignore, PooledBytes> consumer)
    {
        if (assignedSinceLastMessage.Count == 0)
        {
            return false;
        }
        var assigned = assignedSinceLastMessage.ToList();
        assignedSinceLastMessage.Clear();
        ownsOnlySomePartitions = consumer.Assignment.Count < topicPartitionCount;
        // Refusals judged on the old assignment: chunks re-delivered under this one are judged again.
        refusedForAssignment.Clear();
        events.Verbose($"Assigned partitions {string.Join(", ", assigned.Select(p => p.Partition.Value))} of '{options.Topic}' in group '{options.GroupId}'.");
        foreach (var gap in RetentionGapCheck.Find(consumer, assigned, options.GroupId, options.Kafka.ConnectTimeout))
        {
            Fail(gap);
        }
        return true;
    }

    /// <summary>Keeps incomplete transfers' staged data for the next run (where the sink can keep it) and says what happens to each.</summary>
    private async Task<int> KeepIncompleteAsync()
    {
        var incomplete = assemblies.Values.ToList();
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
        assemblies.Clear();
        return incomplete.Count;
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

    private void OnRevoked(IConsumer<Ignore, PooledBytes> consumer, IEnumerable<TopicPartition> partitions, bool commit)
    {
        var revoked = partitions.ToList();
        // Landings under way finish first, so the offsets committed for the new owner pass every file landed here
        // and no other: nothing lands twice, nothing is skipped. This handler runs on the loop thread, inside Consume.
        landing.WhenAllAsync().GetAwaiter().GetResult();
        FinishLandingsAsync().GetAwaiter().GetResult();
        var ready = offsets.Forget(revoked);
        if (ready.Count > 0 && !(commit && TryCommit(consumer, ready)))
        {
            // The partitions' next owner starts at the last committed offset, so it receives again what this receiver
            // consumed since: files this receiver landed in that span land again at a destination of the new owner's.
            events.Warning($"Partitions {string.Join(", ", ready.Select(r => r.Partition.Value))} of '{options.Topic}' moved to another member of group '{options.GroupId}' " +
                $"before their progress could be committed{(commit ? "" : " (the partitions were lost)")}; the new owner receives again what this receiver consumed since the last commit.");
        }
        revokedSinceLastMessage.AddRange(revoked);
        horizon.Reassigned(revoked);
    }

    /// <summary>Files with chunks in partitions this receiver lost cannot complete here; the new owner receives them.</summary>
    private async Task DropRevokedAsync(IConsumer<Ignore, PooledBytes> consumer)
    {
        if (revokedSinceLastMessage.Count == 0)
        {
            return;
        }
        var revoked = revokedSinceLastMessage.ToHashSet();
        revokedSinceLastMessage.Clear();
        // An incremental rebalance revokes without assigning: what this receiver owns now decides what it can land.
        ownsOnlySomePartitions = consumer.Assignment.Count < topicPartitionCount;
        refusedForAssignment.Clear();
        foreach (var assembly in assemblies.Values.Where(a => a.Messages.Any(m => revoked.Contains(m.TopicPartition))).ToList())
        {
            assemblies.Remove(assembly.First.TransferId);
            var kept = await KeepAsync(assembly).ConfigureAwait(false);
            events.Verbose($"'{assembly.First.RelativePath}' moved to another receiver of group '{options.GroupId}' (partitions reassigned){(kept ? "; its staged data is kept for whichever receiver of this destination continues it" : "")}.");
        }
    }

    private void Commit(IConsumer<Ignore, PooledBytes> consumer)
    {
        var ready = offsets.Committable();
        if (ready.Count > 0)
        {
            TryCommit(consumer, ready);
        }
    }

    private bool TryCommit(IConsumer<Ignore, PooledBytes> consumer, List<TopicPartitionOffset> ready)
    {
        try
        {
            consumer.Commit(ready);
            offsets.Committed(ready);
            events.Debug($"Committed {string.Join(", ", ready.Select(r => $"{r.Partition.Value}@{r.Offset.Value}"))}.");
            return true;
        }
        catch (KafkaException e)
        {
            events.Verbose($"Commit of safe offsets failed ({e.Error.Reason}); it is tried again.");
            return false;
        }
    }

    private void Fail(StreamsendException error)
    {
        failed++;
        events.Failed(error);
    }

    private static Dictionary<string, string> ConsumerDefaults(string groupId) => new()
    {
        ["group.id"] = groupId,
        // A new group starts at the oldest retained message, so files sent while no receiver ran still arrive.
        ["auto.offset.reset"] = "earliest",
        ["enable.auto.commit"] = "false",
        ["enable.auto.offset.store"] = "false",
        ["enable.partition.eof"] = "false",
        ["queued.max.messages.kbytes"] = "65536",
        // librdkafka's default of 1 MiB per partition brings one chunk per partition per fetch; 8 MiB brings several,
        // so a receiver reading few partitions needs fewer round trips to keep up. A whole fetch stays at 16 MiB per broker.
        ["max.partition.fetch.bytes"] = "8388608",
        ["fetch.max.bytes"] = "16777216",
    };
}
