using Streamsend.Engine.Sinks.AzureBlob;
using Streamsend.Engine.Sinks.S3;

namespace Streamsend.Engine.Sinks;

/// <summary>
/// Chooses the sink from the destination as the user wrote it: <c>s3://bucket/prefix</c> is a bucket;
/// <c>https://ACCOUNT.blob.core.windows.net/container/prefix</c>, <c>az://container/prefix</c> or the emulator's
/// <c>http://</c> URL is an Azure Blob Storage container; anything else a local folder. The one place that knows which
/// stores exist.
/// </summary>
public static class FileSinkFactory
{
    /// <summary>Whether <paramref name="destination"/> names an object store rather than a path (so the caller must not resolve it as one).</summary>
    public static bool IsObjectStoreUri(string destination) => S3Location.IsS3Uri(destination) || AzureBlobLocation.IsAzureDestination(destination);

    /// <summary>The secrets a destination and its options hold (an Azure SAS token in the URL, keys, connection strings), for the host to mask.</summary>
    public static IReadOnlyList<string> SecretsOf(string destination, AzureBlobConnectionOptions? azure) =>
        AzureBlobLocation.IsAzureDestination(destination) ? (azure ?? new AzureBlobConnectionOptions()).Secrets(destination) : Array.Empty<string>();

    /// <param name="destination">An <c>s3://</c> URI, an Azure destination, or a local folder already resolved to a file-system path.</param>
    /// <param name="s3">How to reach S3; ignored elsewhere.</param>
    /// <param name="overwrite">Let a file from one sender replace one another sender landed (-Overwrite, see <see cref="SenderCollisionRule"/>).</param>
    /// <param name="azure">How to reach and sign in to Azure Blob Storage; ignored elsewhere.</param>
    public static IFileSink Create(string destination, S3ConnectionOptions? s3 = null, bool overwrite = false, AzureBlobConnectionOptions? azure = null) =>
        S3Location.IsS3Uri(destination) ? new S3Sink(S3Location.Parse(destination), s3 ?? new S3ConnectionOptions(), overwrite)
        : AzureBlobLocation.IsAzureDestination(destination) ? new AzureBlobSink(destination, azure ?? new AzureBlobConnectionOptions(), overwrite)
        : new LocalDirectorySink(destination, overwrite);
}
