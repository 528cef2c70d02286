using Confluent.Kafka;
using Streamsend.Engine.Events;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Receiving;

/// <summary>
/// The assemble stage of the receiver (consume → assemble → verify → land → commit). The consume stage hands it each
/// decoded message with its value and offset (<see cref="HandleAsync"/>); it routes the message (foreign, pack,
/// malformed, a repeat of a file landing or ended, an abort, refused for this assignment, a misfit) or writes the chunk
/// into its file's <see cref="TransferAssembly"/> (<see cref="StagedTransfers"/>), and hands each complete file to the
/// land stage. Every message is held or passed on the commit stage's offsets before this returns. Runs on the loop thread.
/// </summary>
internal sealed class AssemblyStage
{
    private readonly ReceiveOptions options;
    private readonly IEngineEventSink events;
    private readonly ReceiveTally tally;
    private readonly SafeOffsetTracker offsets;
    private readonly TransferEnds ends;
    private readonly StagedTransfers staged;
    private readonly LandingStage landing;
    private readonly AssignmentRefusals refusals;
    private readonly Func<TopicPartition, Offset> logStartOf;

    public AssemblyStage(
        ReceiveOptions options,
        IEngineEventSink events,
        ReceiveTally tally,
        SafeOffsetTracker offsets,
        TransferEnds ends,
        StagedTransfers staged,
        LandingStage landing,
        Func<TopicPartition, Offset> logStartOf)
    {
        this.options = options;
        this.events = events;
        this.tally = tally;
        this.offsets = offsets;
        this.ends = ends;
        this.staged = staged;
        this.landing = landing;
        this.logStartOf = logStartOf;
        refusals = new AssignmentRefusals(offsets, tally, options.GroupId);
    }

    /// <summary>The partitions this receiver owns changed (<paramref name="ownsOnlySomePartitions"/> of the topic's, or all).</summary>
    public void Reassigned(bool ownsOnlySomePartitions) => refusals.Reassigned(ownsOnlySomePartitions);

    /// <summary>Handles one message; <paramref name="value"/> stays the caller's to dispose (see <see cref="TransferAssembly.AcceptAsync"/>).</summary>
    public async Task HandleAsync(DecodeResult decoded, PooledBytes value, TopicPartitionOffset message, DateTimeOffset sentAt, CancellationToken cancellationToken)
    {
        if (decoded.Class == MessageClass.Foreign)
        {
            tally.CountForeign();
            offsets.Pass(message);
            return;
        }
        if (decoded.Pack is { } pack)
        {
            await landing.LandPackAsync(pack, value.Memory, message, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (decoded.Header is not { } header)
        {
            offsets.Pass(message);
            tally.Fail(new StreamsendException(
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
        if (ends.TryGet(header.TransferId, out var end))
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
            refusals.Abandoned(header.TransferId);
            var received = await staged.AbandonAsync(header.TransferId).ConfigureAwait(false);
            events.Warning($"Sender '{header.Sender}' abandoned '{header.RelativePath}' (transfer {header.TransferId:N}): it will not resume it (the file changed, and a changed file is sent as a new transfer). " +
                $"Nothing of it was landed; the {received} bytes received of it were discarded.");
            return;
        }
        if (refusals.TryHold(header.TransferId, message))
        {
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
            await staged.EndAsync(header.TransferId, TransferEnd.Rejected).ConfigureAwait(false);
            tally.Fail(new StreamsendException("InconsistentTransfer", ErrorKind.InvalidData, $"'{assembly.FinalLocation}' was not landed: {misfit}.", assembly.FinalLocation));
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
            await staged.EndAsync(header.TransferId, TransferEnd.Deferred).ConfigureAwait(false);
            tally.Fail(e);
            return;
        }
        events.Post(new ProgressEvent(new TransferProgress(header.TransferId, header.RelativePath, assembly.BytesReceived, header.FileSize, assembly.Elapsed.Elapsed, IsComplete: false)));
        if (assembly.IsComplete)
        {
            staged.Complete(assembly);
            await landing.SubmitAsync(assembly).ConfigureAwait(false);
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
        tally.Fail(IncompleteTransfers.Lost(assembly, missing, message, logStartOf(message.TopicPartition), options.IncompleteTransferTimeout));
    }

    private async Task<TransferAssembly?> AssemblyForAsync(ChunkHeader header, TopicPartitionOffset message, CancellationToken cancellationToken)
    {
        if (staged.Open(header.TransferId) is { } existing)
        {
            return existing;
        }
        try
        {
            var incoming = StagedTransfers.IncomingOf(header);
            if (await options.Sink.WasLandedAsync(incoming, cancellationToken).ConfigureAwait(false))
            {
                offsets.Pass(message);
                ends.Record(header.TransferId, TransferEnd.Landed);
                events.Verbose($"'{header.RelativePath}' (transfer {header.TransferId:N}) already landed before a restart; its chunks are skipped.");
                return null;
            }
            if (refusals.TryRefuse(header, message))
            {
                return null;
            }
            return await staged.BeginAsync(header, incoming, message, cancellationToken).ConfigureAwait(false);
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
            ends.Record(header.TransferId, end);
            tally.Fail(e);
            return null;
        }
    }
}
