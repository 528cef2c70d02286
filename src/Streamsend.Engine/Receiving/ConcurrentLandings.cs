using Streamsend.Engine.Sinks;

namespace Streamsend.Engine.Receiving;

/// <summary>
/// The landings of the land stage (<see cref="LandingStage"/>), run beside the consume loop: complete files are
/// verified and landed here, several at a time, while the loop goes on reading. Landing is the slow step of a file
/// (waiting for its last chunks' hashing, the flush to disk, the rename or the multipart completion, the landed
/// journal), and on the loop it stopped every other file for that long. A disk serves concurrent flushes together, so
/// files landing side by side share their cost.
/// </summary>
/// <remarks>
/// The loop thread owns everything else: it submits files, and takes the outcomes back (<see cref="TakeFinished"/>) to
/// release their offsets and report them, so the offset tracker and the reports stay single-threaded. A landing never
/// uses the run's cancellation: a file whose last byte arrived is landed, or fails, but is not left half done.
/// </remarks>
internal sealed class ConcurrentLandings
{
    private readonly int capacity;
    private readonly Dictionary<Guid, Landing> landing = new();

    public ConcurrentLandings(int capacity) => this.capacity = Math.Max(1, capacity);

    public int Count => landing.Count;

    /// <summary>Whether the transfer is being landed; its repeated chunks are then held like its first ones.</summary>
    public bool TryGet(Guid transferId, out TransferAssembly assembly)
    {
        var found = landing.TryGetValue(transferId, out var entry);
        assembly = entry?.Assembly!;
        return found;
    }

    /// <summary>Whether another file may start landing, with at most <paramref name="limit"/> landing at once (and never more than the capacity).</summary>
    public bool HasRoom(int? limit) => landing.Count < Math.Min(capacity, limit ?? capacity);

    /// <summary>Returns once a landing under way has finished: the caller then takes it back (<see cref="TakeFinished"/>).</summary>
    public Task WhenAnyFinishedAsync() => landing.Count == 0 ? Task.CompletedTask : Task.WhenAny(landing.Values.Select(l => l.Outcome));

    /// <summary>Starts landing a complete file, beside the others.</summary>
    public void Submit(TransferAssembly assembly) =>
        landing[assembly.First.TransferId] = new Landing(assembly, Task.Run(() => LandAsync(assembly)));

    /// <summary>The landings that ended, in no particular order; they leave the stage.</summary>
    public List<LandingOutcome> TakeFinished()
    {
        var finished = landing.Values.Where(l => l.Outcome.IsCompleted).ToList();
        foreach (var entry in finished)
        {
            landing.Remove(entry.Assembly.First.TransferId);
        }
        // A landing that threw something other than a StreamsendException is a bug: it surfaces here, on the loop.
        return finished.Select(l => l.Outcome.GetAwaiter().GetResult()).ToList();
    }

    /// <summary>Waits for every landing under way (the loop stops, or partitions move to another receiver).</summary>
    public Task WhenAllAsync() => Task.WhenAll(landing.Values.Select(l => l.Outcome));

    private static async Task<LandingOutcome> LandAsync(TransferAssembly assembly)
    {
        string actual = "";
        try
        {
            // A sink that hashes the file itself reads it back here, and that read may fail like the commit.
            actual = await assembly.ActualMd5Async(CancellationToken.None).ConfigureAwait(false);
            if (assembly.BytesReceived != assembly.First.FileSize || actual != assembly.ExpectedMd5)
            {
                return new LandingOutcome(assembly, actual, null, null);
            }
            return new LandingOutcome(assembly, actual, await assembly.CommitAsync(CancellationToken.None).ConfigureAwait(false), null);
        }
        catch (StreamsendException e)
        {
            return new LandingOutcome(assembly, actual, null, e);
        }
    }

    private sealed record Landing(TransferAssembly Assembly, Task<LandingOutcome> Outcome);
}

/// <summary>How a landing ended: landed (<see cref="Landed"/>), refused by the destination (<see cref="Error"/>), or failed verification (neither).</summary>
internal sealed record LandingOutcome(TransferAssembly Assembly, string ActualMd5, LandedObject? Landed, StreamsendException? Error);
