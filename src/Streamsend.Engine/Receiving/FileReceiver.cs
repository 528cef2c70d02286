using System.Diagnostics;
using Confluent.Kafka;
using Streamsend.Engine.Events;
using Streamsend.Engine.Kafka;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Receiving;

/// <summary>
/// Consumes a topic and lands every complete, verified file through the sink. Messages that are not ours are counted
/// and skipped; offsets are committed only up to the earliest message of any file not yet landed.
/// </summary>
/// <remarks>
/// This is the consume stage of consume → assemble (<see cref="AssemblyStage"/>) → verify and land
/// (<see cref="LandingStage"/>) → commit (<see cref="CommitStage"/>): it runs the loop and its stop conditions, follows
/// the group's rebalances, and hands each decoded message to the assemble stage. Everything but the land stage's
/// landings runs on this loop's thread, the rebalance handlers included (they run inside Consume).
/// </remarks>
public sealed class FileReceiver
{
    /// <summary>How much longer than -IdleTimeout a receiver waits for its first partitions (Kafka's default session timeout).</summary>
    private static readonly TimeSpan UnassignedGrace = TimeSpan.FromSeconds(45);

    private readonly ReceiveOptions options;
    private readonly IEngineEventSink events;
    private readonly ReceiveTally tally;
    private readonly CommitStage commits;
    private readonly StagedTransfers staged;
    private readonly LandingStage landing;
    private readonly AssemblyStage assembling;
    private readonly ExpiryHorizon horizon = new();
    private readonly List<TopicPartition> revokedSinceLastMessage = new();
    private readonly List<TopicPartition> assignedSinceLastMessage = new();
    private IConsumer<Ignore, PooledBytes>? consumer;
    private int topicPartitionCount;
    private bool everAssigned;

    private FileReceiver(ReceiveOptions options, IEngineEventSink events)
    {
        this.options = options;
        this.events = events;
        tally = new ReceiveTally(events, options.MaxFiles);
        commits = new CommitStage(options, events);
        var ends = new TransferEnds(commits.Offsets);
        staged = new StagedTransfers(options, events, tally, ends, commits.Offsets);
        landing = new LandingStage(options, events, tally, ends, commits.Offsets);
        assembling = new AssemblyStage(options, events, tally, commits.Offsets, ends, staged, landing,
            partition => consumer?.GetWatermarkOffsets(partition).Low ?? Offset.Unset);
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
        await staged.LoadKeptAsync(cancellationToken).ConfigureAwait(false);
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
                // was handed to its file's writer (which returns it itself and leaves this owner empty).
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
                    var decoded = WireCodec.Decode(result.Message.Headers, result.Message.Value.Length);
                    await assembling.HandleAsync(decoded, result.Message.Value, result.TopicPartitionOffset, sentAt, cancellationToken).ConfigureAwait(false);
                }
                await landing.FinishAsync().ConfigureAwait(false);
                if (tally.EnoughLanded)
                {
                    stopReason = ReceiveStopReason.MaxFiles;
                    break;
                }
                if (sinceCommit.Elapsed >= options.CommitInterval)
                {
                    await ExpireStaleAsync(consumer).ConfigureAwait(false);
                    await staged.CheckpointAsync(cancellationToken).ConfigureAwait(false);
                    commits.Commit(consumer);
                    sinceCommit.Restart();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stopReason = ReceiveStopReason.Cancelled;
        }
        await landing.FinishAllAsync().ConfigureAwait(false);
        await ExpireStaleAsync(consumer).ConfigureAwait(false);
        var incomplete = await staged.KeepIncompleteAsync().ConfigureAwait(false);
        commits.Commit(consumer);
        consumer.Close();
        events.Verbose($"Receiver stopped ({stopReason}): {tally.Landed} landed, {tally.Failed} failed, {tally.Foreign} foreign messages skipped, {incomplete} incomplete.");
        return new ReceiveSummary(tally.Landed, tally.Failed, tally.Foreign, incomplete, stopReason);
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

    private static DateTimeOffset SentAt(Timestamp timestamp) =>
        timestamp.Type == TimestampType.NotAvailable || timestamp.UnixTimestampMs <= 0 ? DateTimeOffset.UtcNow : DateTimeOffset.FromUnixTimeMilliseconds(timestamp.UnixTimestampMs);

    /// <summary>Gives up incomplete transfers that expired, judged by how far in Kafka time this receiver has read (<see cref="ExpiryHorizon"/>).</summary>
    private Task ExpireStaleAsync(IConsumer<Ignore, PooledBytes> consumer)
    {
        var now = DateTimeOffset.UtcNow;
        return staged.ExpireStaleAsync(horizon.Of(consumer, now), now);
    }

    private bool OwnsOnlySomePartitions(IConsumer<Ignore, PooledBytes> consumer) => consumer.Assignment.Count < topicPartitionCount;

    /// <summary>Checks partitions assigned since the last call; true when there were any.</summary>
    private bool ReportRetentionGaps(IConsumer<Ignore, PooledBytes> consumer)
    {
        if (assignedSinceLastMessage.Count == 0)
        {
            return false;
        }
        var assigned = assignedSinceLastMessage.ToList();
        assignedSinceLastMessage.Clear();
        // Refusals judged on the old assignment: chunks re-delivered under this one are judged again.
        assembling.Reassigned(OwnsOnlySomePartitions(consumer));
        events.Verbose($"Assigned partitions {string.Join(", ", assigned.Select(p => p.Partition.Value))} of '{options.Topic}' in group '{options.GroupId}'.");
        foreach (var gap in RetentionGapCheck.Find(consumer, assigned, options.GroupId, options.Kafka.ConnectTimeout))
        {
            tally.Fail(gap);
        }
        return true;
    }

    private void OnRevoked(IConsumer<Ignore, PooledBytes> consumer, IEnumerable<TopicPartition> partitions, bool commit)
    {
        var revoked = partitions.ToList();
        // Landings under way finish first, so the offsets committed for the new owner pass every file landed here
        // and no other: nothing lands twice, nothing is skipped. This handler runs on the loop thread, inside Consume.
        landing.FinishAllAsync().GetAwaiter().GetResult();
        commits.Revoked(consumer, revoked, commit);
        revokedSinceLastMessage.AddRange(revoked);
        horizon.Reassigned(revoked);
    }

    /// <summary>Takes in the partitions revoked since the last turn of the loop: the transfers with chunks in them leave.</summary>
    private async Task DropRevokedAsync(IConsumer<Ignore, PooledBytes> consumer)
    {
        if (revokedSinceLastMessage.Count == 0)
        {
            return;
        }
        var revoked = revokedSinceLastMessage.ToHashSet();
        revokedSinceLastMessage.Clear();
        // An incremental rebalance revokes without assigning: what this receiver owns now decides what it can land.
        assembling.Reassigned(OwnsOnlySomePartitions(consumer));
        await staged.DropRevokedAsync(revoked).ConfigureAwait(false);
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
