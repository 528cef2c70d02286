using System.Net.Http;
using Amazon.Runtime;

namespace Streamsend.Engine.Sinks.S3;

internal static class S3Errors
{
    /// <summary>A failure of the store or of reaching it (refused, throttled, no credentials, no network), as opposed to a bug.</summary>
    public static bool IsStoreFailure(Exception e) => e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException;
}
