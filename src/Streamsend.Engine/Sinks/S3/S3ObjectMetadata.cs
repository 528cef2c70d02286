using Amazon.S3.Model;
using Streamsend.Engine.Sinks.ObjectStore;

namespace Streamsend.Engine.Sinks.S3;

/// <summary>
/// The landing record (<see cref="LandingMetadata"/>) as S3 user metadata: <c>x-amz-meta-streamsend-*</c>.
/// <see cref="S3Sink.WasLandedAsync"/> treats an object as a transfer's only when its id and MD5 are both there.
/// </summary>
internal static class S3ObjectMetadata
{
    internal static readonly LandingMetadata Names = new('-');

    public static void Write(MetadataCollection metadata, IncomingFile file, string md5)
    {
        foreach (var (name, value) in Names.Of(file, md5))
        {
            metadata[name] = value;
        }
    }

    public static bool IsLandingOf(MetadataCollection metadata, Guid transferId) => Names.IsLandingOf(name => metadata[name], transferId);

    public static string? SenderOf(MetadataCollection metadata) => Names.SenderOf(name => metadata[name]);
}
