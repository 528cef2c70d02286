using Streamsend.Engine.Events;

namespace Streamsend.Engine.Resume;

/// <summary>
/// Keeps one transfer's resume state on disk while it is sent: at most once a second while acknowledgements arrive,
/// and once more when the send stops, never per chunk. A chunk acknowledged after the last save is simply sent again
/// by the next run (receivers ignore a chunk they already have). Removed once the file is fully acknowledged, or
/// when the transfer will never be resumed. A state that cannot be written is a warning, not a failure: the file is
/// still sent, only a later run would send it from the start.
/// </summary>
internal sealed class ResumePoint : IDisposable
{
    private static readonly TimeSpan SaveInterval = TimeSpan.FromSeconds(1);

    private readonly object gate = new();
    private readonly ResumeStore store;
    private readonly ResumeState transfer;
    private readonly AcknowledgedChunks chunks;
    private readonly IEngineEventSink events;
    private readonly Timer timer;
    private int savedVersion = -1;
    private bool ended;
    private bool warned;

    /// <param name="transfer">The transfer's identity and layout; its acknowledged chunks come from <paramref name="chunks"/> at each save.</param>
    public ResumePoint(ResumeStore store, ResumeState transfer, AcknowledgedChunks chunks, IEngineEventSink events)
    {
        this.store = store;
        this.transfer = transfer;
        this.chunks = chunks;
        this.events = events;
        // The first save comes a second in, so files sent within a second never touch the disk; the state it writes
        // then, even with nothing acknowledged yet, lets a run killed after it continue this transfer id.
        timer = new Timer(_ => Save(onlyIfChanged: true), null, SaveInterval, SaveInterval);
    }

    public ResumeKey Key => ResumeKey.Of(transfer);

    /// <summary>Writes what is acknowledged now: the send stopped and the next run resumes from here.</summary>
    public void SaveNow() => Save(onlyIfChanged: false);

    /// <summary>The file is fully acknowledged, or the transfer will never be resumed: its state goes.</summary>
    public void Remove()
    {
        lock (gate)
        {
            ended = true;
            timer.Dispose();
            try
            {
                store.Remove(Key);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                events.Warning($"Cannot remove the resume state of '{transfer.FullPath}' in '{store.Folder}': {e.Message}. A later run of the same send finds it fully acknowledged and sends nothing of it again.");
            }
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            ended = true;
            timer.Dispose();
        }
    }

    private void Save(bool onlyIfChanged)
    {
        lock (gate)
        {
            var version = chunks.Version;
            if (ended || onlyIfChanged && version == savedVersion)
            {
                return;
            }
            try
            {
                store.Save(transfer.WithAcknowledged(chunks));
                savedVersion = version;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (!warned)
                {
                    warned = true;
                    events.Warning($"Cannot write the resume state of '{transfer.FullPath}' in '{store.Folder}': {e.Message}. The file is still being sent; if this run stops, the next one sends it from the start.");
                }
            }
        }
    }
}
