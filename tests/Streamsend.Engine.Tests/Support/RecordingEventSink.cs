using System.Collections.Concurrent;
using Streamsend.Engine.Events;

namespace Streamsend.Engine.Tests.Support;

/// <summary>Keeps every engine event, for assertions.</summary>
public sealed class RecordingEventSink : IEngineEventSink
{
    private readonly ConcurrentQueue<EngineEvent> events = new();

    public void Post(EngineEvent engineEvent) => events.Enqueue(engineEvent);

    public IReadOnlyList<EngineEvent> All => events.ToList();

    public IReadOnlyList<T> Of<T>() where T : EngineEvent => events.OfType<T>().ToList();

    public IReadOnlyList<StreamsendException> Failures => Of<TransferFailedEvent>().Select(f => f.Error).ToList();
}
