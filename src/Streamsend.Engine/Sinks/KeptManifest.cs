using System.Text.Json;

namespace Streamsend.Engine.Sinks;

/// <summary>
/// What a kept transfer's manifest records of it, in the same JSON for every sink: the file, and the
/// <see cref="StagedProgress"/> of its staged data (chunks as ranges, see <see cref="ChunkRanges"/>). A sink adds where
/// the data is (the S3 sink: the upload and its parts).
/// </summary>
internal sealed record KeptManifest(IncomingFile File, long ChunkSize, List<int[]> Chunks, string? ExpectedMd5, DateTimeOffset NewestChunkAt, bool LostReported)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public static KeptManifest Of(IncomingFile file, StagedProgress progress) =>
        new(file, progress.ChunkSize, ChunkRanges.Encode(progress.Chunks), progress.ExpectedMd5, progress.NewestChunkAt, progress.LostReported);

    public StagedProgress ToProgress() => new(ChunkSize, ChunkRanges.Decode(Chunks), ExpectedMd5, NewestChunkAt, LostReported);

    public static byte[] ToJson<T>(T manifest) => JsonSerializer.SerializeToUtf8Bytes(manifest, Json);

    /// <summary>Null for a manifest that cannot be read: its transfer is then treated as not kept, and received again from Kafka.</summary>
    public static T? FromJson<T>(byte[] json)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Json);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            return null;
        }
    }
}
