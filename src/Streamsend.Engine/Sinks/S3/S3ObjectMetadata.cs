using Amazon.S3.Model;

namespace Streamsend.Engine.Sinks.S3;

/// <summary>
/// The user metadata every landed object carries (x-amz-meta-streamsend-*). The transfer id and the MD5 together are
/// the landing mark: <see cref="S3Sink.WasLandedAsync"/> treats an object as this transfer's only when both are there.
/// Text from the network (path, sender) is percent-encoded, because S3 metadata travels in HTTP headers and must be ASCII.
/// </summary>
internal static class S3ObjectMetadata
{
    public const string TransferId = "streamsend-transfer";
    public const string Md5 = "streamsend-md5";
    public const string SourcePath = "streamsend-path";
    public const string Sender = "streamsend-sender";
    public const string LastWriteTime = "streamsend-mtime";

    public static void Write(MetadataCollection metadata, IncomingFile file, string md5)
    {
        metadata[TransferId] = file.TransferId.ToString("N");
        metadata[Md5] = md5;
        metadata[SourcePath] = Uri.EscapeDataString(file.RelativePath);
        metadata[Sender] = Uri.EscapeDataString(file.Sender);
        metadata[LastWriteTime] = file.LastWriteTimeUtc.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", System.Globalization.CultureInfo.InvariantCulture);
    }

    public static bool IsLandingOf(MetadataCollection metadata, Guid transferId) =>
        metadata[TransferId] is { } id && Guid.TryParseExact(id, "N", out var landed) && landed == transferId
        && metadata[Md5] is { Length: 32 };
}
