using Streamsend.Engine.Kafka;

namespace Streamsend.Engine.Sending;

public sealed record SendOptions
{
    public required KafkaSettings Kafka { get; init; }

    public required string Topic { get; init; }

    /// <summary>Overrides the chunk size derived from the topic's message size limit.</summary>
    public int? ChunkSize { get; init; }

    /// <summary>Travels with every file so that receivers can tell senders apart (fan-in).</summary>
    public string SenderName { get; init; } = Environment.MachineName;

    public Distribution Distribution { get; init; } = Distribution.Chunk;

    /// <summary>Files smaller than this many bytes travel packed, many to a message. Null: a sixteenth of the chunk size; 0: never.</summary>
    public int? PackThreshold { get; init; }

    /// <summary>
    /// How long a part-filled pack waits for more small files before it is sent as it is: long enough that files
    /// streaming out of a folder or a pipeline fill packs, short enough that a file dropped into a watched folder
    /// leaves at once.
    /// </summary>
    public TimeSpan PackLinger { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Files read and sent at the same time.</summary>
    public int ThrottleLimit { get; init; } = 4;

    /// <summary>Chunk bytes handed to Kafka and not yet acknowledged, across all files: the sender's memory bound.</summary>
    public long MaxInFlightBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// How long Kafka may take to acknowledge a chunk, broker restarts and network loss included: librdkafka retries
    /// with backoff until then, and only then is the file reported as failed.
    /// </summary>
    public TimeSpan DeliveryTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Caps the bytes read and handed to Kafka per second, across all files (-MaxBytesPerSecond); null: no cap.</summary>
    public long? MaxBytesPerSecond { get; init; }

    /// <summary>
    /// The folder of resume states (<see cref="Resume.ResumeStore"/>): a file whose send stops part-way continues there
    /// in a later run, and a failure then sends no abort. Null: nothing is kept, and a failed file is aborted.
    /// </summary>
    public string? ResumeFolder { get; init; }

    /// <summary>
    /// A transfer last saved longer ago than this is not resumed but sent anew: receivers give up an incomplete transfer
    /// after their -IncompleteTimeout (24 hours by default), and would ignore its late chunks.
    /// </summary>
    public TimeSpan ResumeWithin { get; init; } = TimeSpan.FromHours(24);

    /// <summary>How long messages may wait in flight without any acknowledgement before the sender says it is waiting for Kafka.</summary>
    public TimeSpan KafkaWaitNotice { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long to wait for DescribeConfigs before assuming Kafka's default limit.</summary>
    public TimeSpan SizeLimitLookupTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A seam for tests and special clusters; null asks the cluster with DescribeConfigs.</summary>
    public IMessageSizeLimitSource? SizeLimitSource { get; init; }
}
