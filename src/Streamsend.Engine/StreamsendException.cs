namespace Streamsend.Engine;

/// <summary>
/// A failure the user can act on: a stable <see cref="ErrorId"/>, a <see cref="Kind"/> that maps to PowerShell's
/// ErrorCategory, the <see cref="Target"/> it concerns (a file path, a transfer, a topic) and a message naming the fix.
/// </summary>
public sealed class StreamsendException : Exception
{
    public StreamsendException(string errorId, ErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    public string ErrorId { get; }

    public ErrorKind Kind { get; }

    public object? Target { get; }
}

/// <summary>The engine's error categories; the cmdlets map each to one PowerShell ErrorCategory.</summary>
public enum ErrorKind
{
    NotFound,
    InvalidArgument,
    InvalidData,
    ConnectionError,
    WriteError,
    ReadError,
    OperationTimeout,
    SecurityError,
    ResourceUnavailable,
    OperationStopped,
}
