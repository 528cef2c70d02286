namespace Streamsend.Engine.Events;

/// <summary>Where the engine posts its events. Implementations must accept posts from any thread.</summary>
public interface IEngineEventSink
{
    void Post(EngineEvent engineEvent);
}
