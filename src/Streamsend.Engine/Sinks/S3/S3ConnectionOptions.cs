namespace Streamsend.Engine.Sinks.S3;

/// <summary>
/// How to reach the bucket. Every value is optional: without them the AWS SDK's default chain decides (environment
/// variables, the shared config and credentials files, then the instance or task role), as the AWS CLI does.
/// </summary>
public sealed record S3ConnectionOptions
{
    /// <summary>The region, e.g. eu-west-1. Null: the SDK's default (AWS_REGION, the profile, instance metadata).</summary>
    public string? Region { get; init; }

    /// <summary>A profile of the shared config and credentials files. Null: AWS_PROFILE, else 'default'.</summary>
    public string? ProfileName { get; init; }

    /// <summary>An S3-compatible endpoint (MinIO, Ceph, ...). Null: AWS S3.</summary>
    public Uri? EndpointUrl { get; init; }

    /// <summary>Part uploads in flight at once for the whole receiver; each holds one part in memory.</summary>
    public int MaxConcurrentUploads { get; init; } = 4;

    /// <summary>
    /// Received bytes the sink may hold in memory at once (parts being assembled or uploaded, chunks that arrived ahead of
    /// a gap and wait to be hashed). A file whose out-of-order window needs more fails, and is received again by the next run.
    /// </summary>
    public long MemoryLimitBytes { get; init; } = 1L << 30;
}
