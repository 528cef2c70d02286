namespace Streamsend.Engine.Sinks;

/// <summary>
/// A file being received: bytes arrive at any offset, in any order. Nothing is visible at the final location until
/// <see cref="CommitAsync"/>; <see cref="AbortAsync"/> leaves no trace.
/// </summary>
public interface IPartialFile : IAsyncDisposable
{
    /// <summary>Where the file will be once committed (a path or a URI).</summary>
    string FinalLocation { get; }

    /// <summary>
    /// Writes <paramref name="data"/> at <paramref name="offset"/>. The bytes are lent only until the returned task
    /// completes (the receiver then gives their pooled array to the next message): a sink that keeps them longer copies them.
    /// </summary>
    ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Reads back bytes written earlier, so chunks that arrived ahead of order can be hashed in order.</summary>
    ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the sink, not the receiver, hashes this file: true for a file taken up from staged data that cannot be
    /// read back piece by piece (the parts of an S3 multipart upload an earlier run kept). The receiver then neither
    /// hashes chunks as they arrive nor calls <see cref="ReadAsync"/>, and asks <see cref="HashStagedAsync"/> for the
    /// MD5 once every byte is written. False otherwise: the receiver hashes the file in order as it arrives.
    /// </summary>
    bool HashesItself { get; }

    /// <summary>
    /// Once every byte is written, the MD5 (lower-case hex) of the whole file as the sink staged it, read back from the
    /// store; the receiver compares it with the sender's before <see cref="CommitAsync"/>. Only when <see cref="HashesItself"/>.
    /// </summary>
    ValueTask<string> HashStagedAsync(CancellationToken cancellationToken);

    /// <summary>Makes the verified file appear at its final location in one step and records its transfer as landed; returns where it landed.</summary>
    ValueTask<LandedObject> CommitAsync(string md5, CancellationToken cancellationToken);

    /// <summary>Discards the staged data: the transfer ended without landing.</summary>
    ValueTask AbortAsync();

    /// <summary>What an earlier run staged of this transfer and kept, when <see cref="IFileSink.BeginAsync"/> took it up again; null for a fresh start.</summary>
    StagedProgress? Kept { get; }

    /// <summary>
    /// Makes the bytes written so far durable and records <paramref name="progress"/> beside them, so that a run that
    /// stops without warning (killed, power loss) leaves data a later run can continue. Returns false when this sink
    /// cannot keep staged data across runs (then later runs receive the transfer again from Kafka).
    /// </summary>
    ValueTask<bool> CheckpointAsync(StagedProgress progress, CancellationToken cancellationToken);

    /// <summary>
    /// Stops working on the transfer but keeps its staged data, with <paramref name="progress"/>, for a later run or
    /// another receiver of the destination (<see cref="IFileSink.KeptAsync"/>). A sink that cannot keep it discards it
    /// and returns false.
    /// </summary>
    ValueTask<bool> KeepAsync(StagedProgress progress, CancellationToken cancellationToken);
}
