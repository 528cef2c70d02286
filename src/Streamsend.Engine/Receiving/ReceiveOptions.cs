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
    /// A file no chunk of which was sent for this long after its newest one (in Kafka time, see ExpiryHorizon) is given
    /// up: reported once, naming it, its staged data removed, and its offsets no longer hold commits back. Until then its
    /// staged data is kept across restarts and rebalances, for a sender that resumes it. A day covers a sender that is
    /// offline overnight or restarted by the next day's scheduled task.
    /// </summary>
    public TimeSpan IncompleteTransferTimeout { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// The most bytes incomplete transfers may stage at once (their full sizes, open or kept from earlier runs); a new
    /// transfer beyond it waits for the next run, with a message. 100 GiB by default.
    /// </summary>
    public long MaxStagedBytes { get; init; } = 100L * 1024 * 1024 * 1024;

    /// <summary>Complete files verified and landed at the same time, beside the consume loop (see LandingStage).</summary>
    public int ConcurrentLandings { get; init; } = Sinks.LocalDirectorySink.ConcurrentWrites;

    /// <summary>How often safe offsets are committed while files keep landing.</summary>
    public TimeSpan CommitInterval { get; init; } = TimeSpan.FromSeconds(1);
}
