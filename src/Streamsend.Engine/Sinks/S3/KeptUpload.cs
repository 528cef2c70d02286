namespace Streamsend.Engine.Sinks.S3;

/// <summary>A kept transfer of the S3 sink: what it staged, and the open multipart upload that holds it.</summary>
/// <param name="Parts">The uploaded parts, as CompleteMultipartUpload wants them; <see cref="KeptManifest.Chunks"/> lists only chunks lying wholly in them.</param>
internal sealed record KeptUpload(KeptManifest Transfer, string StagingKey, string UploadId, List<KeptPart> Parts);

/// <summary>One uploaded part: its 1-based number and the ETag its upload answered.</summary>
internal sealed record KeptPart(int Number, string ETag);
