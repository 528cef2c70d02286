using System.Net.Http;
using Azure;
using Azure.Identity;

namespace Streamsend.Engine.Sinks.AzureBlob;

internal static class AzureErrors
{
    /// <summary>A failure of the store or of reaching or signing in to it (refused, throttled, no credential, no network), as opposed to a bug.</summary>
    public static bool IsStoreFailure(Exception e) =>
        e is RequestFailedException or AuthenticationFailedException or CredentialUnavailableException or HttpRequestException or IOException;

    /// <summary>
    /// One line for a message: the service's error code and status, or the first line of another failure. The SDK's own
    /// message carries every response header; its first line and the code say what happened.
    /// </summary>
    public static string Describe(Exception e) => e switch
    {
        RequestFailedException { ErrorCode: { Length: > 0 } code } failed => $"{code} (HTTP {failed.Status})",
        RequestFailedException failed => $"HTTP {failed.Status}: {FirstLine(failed.Message)}",
        _ => FirstLine(e.Message),
    };

    public static bool IsNotFound(Exception e) => e is RequestFailedException { Status: 404 };

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
