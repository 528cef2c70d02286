namespace Streamsend.Engine.Sending;

/// <summary>How a file's chunks are spread over the topic's partitions.</summary>
public enum Distribution
{
    /// <summary>Chunks go round-robin over every partition: one large file uses the whole cluster. One receiver (or one per group) per topic.</summary>
    Chunk,

    /// <summary>All chunks of a file go to one partition: receivers sharing a group id can split the files between them.</summary>
    File,
}
