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

/// <summary>
/// The sender is waiting for Kafka: messages are in flight and none was acknowledged for <paramref name="Silence"/>,
/// for <paramref name="Cause"/> when the producer said why. Posted about once a second while it lasts, and once with
/// <paramref name="IsWaiting"/> false when acknowledgements resume; the host shows it as progress, not as an error.
/// </summary>
public sealed record KafkaWaitEvent(bool IsWaiting, TimeSpan Silence, string? Cause) : EngineEvent
{
    /// <summary>"Waiting for Kafka: no acknowledgement for 12 s (broker localhost:9092/1 unreachable)".</summary>
    public string Describe() =>
        $"Waiting for Kafka: no acknowledgement for {(long)Silence.TotalSeconds} s{(Cause is null ? "" : $" ({Cause})")}";
}

/// <summary>Text for the verbose, debug or warning stream.</summary>
public sealed record DiagnosticEvent(DiagnosticLevel Level, string Message) : EngineEvent;

public enum DiagnosticLevel
{
    Debug,
    Verbose,
    Warning,
}
