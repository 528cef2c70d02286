using Streamsend.Engine.Events;

namespace Streamsend.Engine.Receiving;

/// <summary>
/// What a receive run counts, shared by its stages: the files landed (against which -MaxFiles is judged), the errors
/// reported and the foreign messages skipped. Touched on the loop thread only.
/// </summary>
internal sealed class ReceiveTally
{
    private readonly IEngineEventSink events;
    private readonly int? maxFiles;

    public ReceiveTally(IEngineEventSink events, int? maxFiles)
    {
        this.events = events;
        this.maxFiles = maxFiles;
    }

    public int Landed { get; private set; }

    public int Failed { get; private set; }

    public long Foreign { get; private set; }

    /// <summary>With -MaxFiles, how many files are still wanted; null without it.</summary>
    public int? StillWanted => maxFiles - Landed;

    /// <summary>Whether -MaxFiles files have landed.</summary>
    public bool EnoughLanded => StillWanted <= 0;

    public void CountLanded() => Landed++;

    public void CountForeign() => Foreign++;

    /// <summary>Counts and reports an error.</summary>
    public void Fail(StreamsendException error)
    {
        Failed++;
        events.Failed(error);
    }
}
