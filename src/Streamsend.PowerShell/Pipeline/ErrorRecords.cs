using System.Management.Automation;
using Streamsend.Engine;

namespace Streamsend.PowerShell.Pipeline;

/// <summary>Engine failures as PowerShell error records: the engine's stable id, a matching category, the target.</summary>
internal static class ErrorRecords
{
    public static ErrorRecord From(StreamsendException error) =>
        new(error, $"{error.ErrorId},Streamsend", Category(error.Kind), error.Target);

    private static ErrorCategory Category(ErrorKind kind) => kind switch
    {
        ErrorKind.NotFound => ErrorCategory.ObjectNotFound,
        ErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        ErrorKind.InvalidData => ErrorCategory.InvalidData,
        ErrorKind.ConnectionError => ErrorCategory.ConnectionError,
        ErrorKind.WriteError => ErrorCategory.WriteError,
        ErrorKind.ReadError => ErrorCategory.ReadError,
        ErrorKind.OperationTimeout => ErrorCategory.OperationTimeout,
        ErrorKind.SecurityError => ErrorCategory.SecurityError,
        ErrorKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        ErrorKind.OperationStopped => ErrorCategory.OperationStopped,
        _ => ErrorCategory.NotSpecified,
    };
}
