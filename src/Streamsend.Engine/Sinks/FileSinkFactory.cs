using Streamsend.Engine.Sinks.S3;

namespace Streamsend.Engine.Sinks;

/// <summary>
/// Chooses the sink from the destination as the user wrote it: <c>s3://bucket/prefix</c> is a bucket, anything else a
/// local folder. The one place that knows which stores exist.
/// </summary>
public static class FileSinkFactory
{
    /// <summary>Whether <paramref name="destination"/> names an object store rather than a path (so the caller must not resolve it as one).</summary>
    public static bool IsObjectStoreUri(string destination) => S3Location.IsS3Uri(destination);

    /// <param name="destination">An <c>s3://</c> URI, or a local folder already resolved to a file-system path.</param>
    /// <param name="s3">How to reach S3; ignored for local folders.</param>
    /// <param name="overwrite">Let a file from one sender replace one another sender landed (-Overwrite, see <see cref="SenderCollisionRule"/>).</param>
    public static IFileSink Create(string destination, S3ConnectionOptions? s3 = null, bool overwrite = false) =>
        S3Location.IsS3Uri(destination)
            ? new S3Sink(S3Location.Parse(destination), s3 ?? new S3ConnectionOptions(), overwrite)
            : new LocalDirectorySink(destination, overwrite);
}
