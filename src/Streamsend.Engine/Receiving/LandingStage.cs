using System.Diagnostics;
using Confluent.Kafka;
using Streamsend.Engine.Events;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Receiving;

/// <summary>
/// The land stage of the receiver (consume → assemble → verify → land → commit). The assemble stage hands it each
/// complete file (<see cref="SubmitAsync"/>), which is verified and landed beside the loop (<see cref="ConcurrentLandings"/>);
/// the loop takes the <see cref="LandingOutcome"/>s back (<see cref="FinishAsync"/>), and only then is each file reported
/// and its messages released to the commit stage, so a commit never passes a file still landing. Packs land here too,
/// on the loop (<see cref="PackLander"/>).
/// </summary>
internal sealed class LandingStage
{
    private readonly ReceiveOptions options;
    private readonly IEngineEventSink events;
    private readonly ReceiveTally tally;
    private readonly TransferEnds ends;
    private readonly SafeOffsetTracker offsets;
    private readonly ConcurrentLandings landings;

    public LandingStage(ReceiveOptions options, IEngineEventSink events, ReceiveTally tally, TransferEnds ends, SafeOffsetTracker offsets)
    {
        this.options = options;
        this.events = events;
        this.tally = tally;
        this.ends = ends;
        this.offsets = offsets;
        landings = new ConcurrentLandings(options.ConcurrentLandings);
    }

    /// <summary>Whether the transfer is being landed; its repeated chunks are then held like its first ones.</summary>
    public bool TryGet(Guid transferId, out TransferAssembly assembly) => landings.TryGet(transferId, out assembly);

    /// <summary>Starts landing a complete file; with -MaxFiles, never more files than are still wanted.</summary>
    public async Task SubmitAsync(TransferAssembly assembly)
    {
        while (true)
        {
            await FinishAsync().ConfigureAwait(false);
            if (tally.EnoughLanded)
            {
                // Enough files landed: this one is not, and its offsets stay held, so the next run receives it.
                await assembly.AbortAsync().ConfigureAwait(false);
                await assembly.DisposeAsync().ConfigureAwait(false);
                return;
            }
            if (landings.HasRoom(tally.StillWanted))
            {
                landings.Submit(assembly);
                return;
            }
            await landings.WhenAnyFinishedAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Takes back the files that finished landing: releases the offsets of each landed (or rejected) one, and reports it.</summary>
    public async Task FinishAsync()
    {
        if (landings.Count == 0)
        {
            return;
        }
        foreach (var outcome in landings.TakeFinished())
        {
            await FinishAsync(outcome).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for every landing under way and takes them back (the loop stops, or partitions move to another receiver).</summary>
    public async Task FinishAllAsync()
    {
        await landings.WhenAllAsync().ConfigureAwait(false);
        await FinishAsync().ConfigureAwait(false);
    }

    private async Task FinishAsync(LandingOutcome outcome)
    {
        var assembly = outcome.Assembly;
        var header = assembly.First;
        if (outcome.Landed is not { } landedObject)
        {
            await ends.EndAsync(assembly, outcome.Error is null ? TransferEnd.Rejected : TransferEnd.Deferred).ConfigureAwait(false);
            tally.Fail(outcome.Error ?? new StreamsendException(
                "ChecksumMismatch",
                ErrorKind.InvalidData,
                $"'{assembly.FinalLocation}' failed verification and was not landed: the sender's MD5 is {assembly.ExpectedMd5}, the received bytes' MD5 is {outcome.ActualMd5} ({assembly.BytesReceived} of {header.FileSize} bytes). Send the file again.",
                assembly.FinalLocation));
            return;
        }
        await ends.EndAsync(assembly, TransferEnd.Landed).ConfigureAwait(false);
        tally.CountLanded();
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

    /// <summary>Lands every entry of a pack message, on the loop; <paramref name="value"/> stays the caller's until this returns.</summary>
    public async Task LandPackAsync(PackHeader pack, ReadOnlyMemory<byte> value, TopicPartitionOffset message, CancellationToken cancellationToken)
    {
        var holdForNextRun = false;
        var elapsed = Stopwatch.StartNew();
        // A deferred entry is tried again when its pack is re-delivered (after a rebalance): skipping it would pass the pack.
        await foreach (var outcome in PackLander.LandAsync(options.Sink, pack, value, id => ends.TryGet(id, out var end) && end != TransferEnd.Deferred, cancellationToken).ConfigureAwait(false))
        {
            if (outcome.Error is { } error)
            {
                // A destination that refused the file may accept it next run: keep the pack's offset.
                var end = DestinationRefusal.EndFor(error);
                holdForNextRun |= end == TransferEnd.Deferred;
                if (outcome.Entry is { } failedEntry)
                {
                    ends.Record(failedEntry.TransferId, end);
                }
                tally.Fail(error);
                continue;
            }
            var entry = outcome.Entry!;
            ends.Record(entry.TransferId, TransferEnd.Landed);
            if (outcome.AlreadyLanded)
            {
                continue;
            }
            tally.CountLanded();
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
}
