using Streamsend.Engine;

namespace Streamsend.Engine.Events;

/// <summary>
/// Something the engine tells its host. Engine threads post these; the host (a cmdlet) drains them on its own
/// thread, because PowerShell's Write* methods may only be called from the pipeline thread.
/// </summary>
public abstract record EngineEvent;

/// <summary>A file was sent: Kafka acknowledged every chunk.</summary>
public sealed record FileSentEvent(SentFile File) : EngineEvent;

/// <summary>A file landed at its final place, verified.</summary>
public sealed record FileReceivedEvent(ReceivedFile File) : EngineEvent;

/// <summary>One file (or message) failed; the run goes on.</summary>
public sealed record TransferFailedEvent(StreamsendException Error) : EngineEvent;

/// <summary>Bytes moved for one file; <see cref="TransferProgress.IsComplete"/> closes its progress bar.</summary>
public sealed record ProgressEvent(TransferProgress Progress) : EngineEvent;

/// <summary>Text for the verbose, debug or warning stream.</summary>
public sealed record DiagnosticEvent(DiagnosticLevel Level, string Message) : EngineEvent;

public enum DiagnosticLevel
{
    Debug,
    Verbose,
    Warning,
}
