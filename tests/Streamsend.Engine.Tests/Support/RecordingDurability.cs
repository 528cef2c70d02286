using Streamsend.Engine.Events;
using Streamsend.Engine.Sinks;

namespace Streamsend.Engine.Tests.Support;

/// <summary>
/// A seam in a local destination's durability: each step is done by the real choice, then written to the event log,
/// where it takes its place among the receiver's own "Committed ..." lines, so a test can read their order.
/// </summary>
internal sealed class RecordingDurability : LandingDurability
{
    public const string StagedPrefix = "Durable, staged: ";
    public const string PublishedPrefix = "Durable, landed: ";

    private readonly LandingDurability inner;
    private readonly IEngineEventSink events;

    public RecordingDurability(LandingDurability inner, IEngineEventSink events)
    {
        this.inner = inner;
        this.events = events;
    }

    public override async ValueTask StagedAsync(IReadOnlyList<LocalPartialFile> staged)
    {
        await inner.StagedAsync(staged);
        events.Debug(StagedPrefix + string.Join("|", staged.Select(f => Path.GetFileName(f.FinalLocation))));
    }

    public override void Published(IReadOnlyCollection<string> folders, LandedJournal journal, IReadOnlyList<LandedJournal.Landing> landings)
    {
        inner.Published(folders, journal, landings);
        events.Debug(PublishedPrefix + string.Join("|", landings.Select(l => l.RelativePath)));
    }
}
