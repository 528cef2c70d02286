using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Threading.Channels;
using Streamsend.Engine.Sinks;

namespace Streamsend.Engine.Receiving;

/// <summary>
/// Writes one file's chunks at their offsets in its <see cref="IPartialFile"/> and hashes the file in order, on a task
/// of its own, so that the consume loop only decodes chunks and hands them over: the loop thread was the receiver's
/// limit, and each chunk's write was a quarter of its time (issue #14). Steps are taken in the order they were handed
/// over, so a chunk that arrived ahead of a gap is read back for hashing only after its write, and the MD5 is that of
/// the bytes staged. At most <see cref="Depth"/> steps wait, so memory stays at a few chunks per file however fast
/// chunks arrive: a loop that gets further ahead waits for this file's writes.
/// </summary>
/// <remarks>
/// A step that fails fails the file: the steps after it are skipped (their bytes go back to the pool), and the failure
/// is thrown where the file is next handed something or waited for (<see cref="DrainAsync"/>, <see cref="CompleteAsync"/>),
/// so whatever records or lands the file never claims a chunk that was not written.
/// </remarks>
internal sealed class BackgroundChunkWriter : IAsyncDisposable
{
    /// <summary>Steps handed over and not yet taken, per file: enough to keep the writes busy between two chunks of the file.</summary>
    public const int Depth = 4;

    private readonly IPartialFile partial;
    // Null when the sink hashes the file itself.
    private readonly IncrementalHash? md5;
    private readonly Channel<Step> steps = Channel.CreateBounded<Step>(new BoundedChannelOptions(Depth) { SingleReader = true, SingleWriter = true });
    // Never disposed: it has no timer and no linked token, so there is nothing to release, and stopping twice stays harmless.
    private readonly CancellationTokenSource stopping = new();
    private readonly Task working;
    private volatile ExceptionDispatchInfo? failure;

    /// <param name="hashes">Whether the receiver hashes this file (false when the sink hashes it itself, <see cref="IPartialFile.HashesItself"/>).</param>
    public BackgroundChunkWriter(IPartialFile partial, bool hashes)
    {
        this.partial = partial;
        md5 = hashes ? IncrementalHash.CreateHash(HashAlgorithmName.MD5) : null;
        working = Task.Run(WorkAsync);
    }

    /// <summary>
    /// Takes a chunk to write at <paramref name="offset"/> and, when <paramref name="hashNext"/>, to hash next, from the
    /// same bytes; returns them to the pool once written (or at once, when they cannot be taken).
    /// </summary>
    public ValueTask WriteAsync(long offset, PooledBytes chunk, bool hashNext, CancellationToken cancellationToken) =>
        HandOverAsync(new Step(offset, chunk.Length, chunk, hashNext, null), cancellationToken);

    /// <summary>Hashes next the <paramref name="length"/> bytes staged at <paramref name="offset"/>, read back once everything handed over before is written.</summary>
    public ValueTask HashStagedAsync(long offset, int length, CancellationToken cancellationToken) =>
        HandOverAsync(new Step(offset, length, null, HashNext: true, null), cancellationToken);

    /// <summary>Returns once every step handed over so far is taken (at most <see cref="Depth"/> to wait for); throws the failure of any.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        var reached = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await HandOverAsync(new Step(0, 0, null, HashNext: false, reached), cancellationToken).ConfigureAwait(false);
        await reached.Task.ConfigureAwait(false);
        failure?.Throw();
    }

    /// <summary>Takes nothing more and returns once every step is taken; throws the failure of any. Calling it again waits for nothing.</summary>
    public async Task CompleteAsync()
    {
        steps.Writer.TryComplete();
        await working.ConfigureAwait(false);
        failure?.Throw();
    }

    /// <summary>The MD5 of everything hashed; only after <see cref="CompleteAsync"/>, and only once.</summary>
    public string Md5() =>
        Convert.ToHexString((md5 ?? throw NotHashing()).GetHashAndReset()).ToLowerInvariant();

    /// <summary>Stops, for a file being discarded: the step under way is cancelled and the others are skipped.</summary>
    public async ValueTask StopAsync()
    {
        stopping.Cancel();
        steps.Writer.TryComplete();
        await working.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        md5?.Dispose();
    }

    private async ValueTask HandOverAsync(Step step, CancellationToken cancellationToken)
    {
        try
        {
            failure?.Throw();
            await steps.Writer.WriteAsync(step, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Not queued (the file failed, the loop was cancelled, or the writer was stopped): nobody else will return it.
            step.Chunk?.Dispose();
            throw;
        }
    }

    /// <summary>Takes every step handed over until the writer is completed or stopped; throws nothing (a failure is kept for the loop).</summary>
    private async Task WorkAsync()
    {
        await foreach (var step in steps.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            using (step.Chunk)
            {
                if (failure is null && !stopping.IsCancellationRequested)
                {
                    try
                    {
                        await TakeAsync(step).ConfigureAwait(false);
                    }
                    catch (Exception e)
                    {
                        failure = ExceptionDispatchInfo.Capture(e);
                    }
                }
                step.Reached?.SetResult(true);
            }
        }
    }

    private async ValueTask TakeAsync(Step step)
    {
        if (step.Chunk is { } chunk)
        {
            // Awaited to the end: the sink reads the bytes only during the write (IPartialFile.WriteAsync), so they are hashed and freed after it.
            await partial.WriteAsync(step.Offset, chunk.Memory, stopping.Token).ConfigureAwait(false);
            if (step.HashNext)
            {
                Hash(chunk.Span);
            }
        }
        else if (step.HashNext)
        {
            // One pooled block per chunk read back, returned as soon as it is hashed.
            using var block = PooledBytes.Rent(step.Length);
            await partial.ReadAsync(step.Offset, block.Memory, stopping.Token).ConfigureAwait(false);
            Hash(block.Span);
        }
    }

    private void Hash(ReadOnlySpan<byte> bytes) => (md5 ?? throw NotHashing()).AppendData(bytes);

    private static InvalidOperationException NotHashing() => new("This file's sink hashes it itself: the receiver hashes none of it.");

    /// <summary>
    /// One thing to do for the file, in turn: write <see cref="Chunk"/> at <see cref="Offset"/> (then hash it, when
    /// <see cref="HashNext"/>); without a chunk, read back and hash <see cref="Length"/> staged bytes at <see cref="Offset"/>
    /// (when <see cref="HashNext"/>); signal <see cref="Reached"/> once every step before it is taken.
    /// </summary>
    private readonly record struct Step(long Offset, int Length, PooledBytes? Chunk, bool HashNext, TaskCompletionSource<bool>? Reached);
}
