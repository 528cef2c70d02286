namespace Streamsend.Engine.Events;

public static class EngineEventSinkExtensions
{
    public static void Verbose(this IEngineEventSink sink, string message) => sink.Post(new DiagnosticEvent(DiagnosticLevel.Verbose, message));

    public static void Debug(this IEngineEventSink sink, string message) => sink.Post(new DiagnosticEvent(DiagnosticLevel.Debug, message));

    public static void Warning(this IEngineEventSink sink, string message) => sink.Post(new DiagnosticEvent(DiagnosticLevel.Warning, message));

    public static void Failed(this IEngineEventSink sink, StreamsendException error) => sink.Post(new TransferFailedEvent(error));
}
