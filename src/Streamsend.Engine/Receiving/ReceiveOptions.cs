using Streamsend.Engine.Kafka;
using Streamsend.Engine.Sinks;

namespace Streamsend.Engine.Receiving;

public sealed record ReceiveOptions
{
    public required KafkaSettings Kafka { get; init; }

    public required string Topic { get; init; }

    /// <summary>The consumer group: receivers sharing it split the work, different groups each get every file.</summary>
    public string GroupId { get; init; } = "streamsend";

    public required IFileSink Sink { get; init; }

    /// <summary>Stop after this long without any message. Null: no idle stop.</summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>Stop once this many files landed. Null: no limit.</summary>
    public int? MaxFiles { get; init; }

    /// <summary>Stop after this long in all. Null: run until cancelled.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// A file whose chunks stop arriving for this long is given up: reported as an error naming it, its staged data
    /// removed, and its offsets no longer hold commits back. Covers senders that died and chunks that retention deleted.
    /// </summary>
    public TimeSpan IncompleteTransferTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How often safe offsets are committed while files keep landing.</summary>
    public TimeSpan CommitInterval { get; init; } = TimeSpan.FromSeconds(1);
}
