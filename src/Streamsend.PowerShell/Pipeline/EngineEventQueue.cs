using System.Collections.Concurrent;
using Streamsend.Engine.Configuration;
using Streamsend.Engine.Events;

namespace Streamsend.PowerShell.Pipeline;

/// <summary>Collects engine events from any thread until the cmdlet takes them on the pipeline thread.</summary>
internal sealed class EngineEventQueue : IEngineEventSink, IDisposable
{
    private readonly BlockingCollection<EngineEvent> queue = new();

    /// <summary>Every event passes here on its way to the host, so this is where secrets are masked.</summary>
    public SecretRedactor Redactor { get; set; } = SecretRedactor.None;

    public void Post(EngineEvent engineEvent)
    {
        if (!queue.IsAddingCompleted)
        {
            queue.Add(Redactor.Redact(engineEvent));
        }
    }

    public bool TryTake(out EngineEvent engineEvent, int millisecondsTimeout) => queue.TryTake(out engineEvent!, millisecondsTimeout);

    public void Dispose()
    {
        queue.CompleteAdding();
        queue.Dispose();
    }
}
