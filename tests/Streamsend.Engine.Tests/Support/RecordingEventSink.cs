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

    public IReadOnlyList<string> Warnings => Diagnostics(DiagnosticLevel.Warning);

    public IReadOnlyList<string> Verbose => Diagnostics(DiagnosticLevel.Verbose);

    public IReadOnlyList<StreamsendException> Failures => Of<TransferFailedEvent>().Select(f => f.Error).ToList();

    private IReadOnlyList<string> Diagnostics(DiagnosticLevel level) => Of<DiagnosticEvent>().Where(d => d.Level == level).Select(d => d.Message).ToList();
}
