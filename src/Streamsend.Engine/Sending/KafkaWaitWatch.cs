using System.Diagnostics;
using Confluent.Kafka;
using Streamsend.Engine.Events;

namespace Streamsend.Engine.Sending;

/// <summary>
/// Notices when the sender is waiting for Kafka rather than working: messages are in flight and none was
/// acknowledged for <see cref="SendOptions.KafkaWaitNotice"/>. Then, once a second, it posts a
/// <see cref="KafkaWaitEvent"/> saying for how long and, from the producer's errors, why (a broker unreachable, all
/// of them down); the first acknowledgement after that, or the last message in flight failing, ends the wait. The
/// producer keeps every message and retries it until -Timeout; this only makes the wait visible.
/// </summary>
internal sealed class KafkaWaitWatch : IDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    private readonly object gate = new();
    private readonly IEngineEventSink events;
    private readonly TimeSpan notice;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly Timer timer;
    private long inFlight;
    private TimeSpan lastProgress;
    private string? cause;
    private bool waiting;

    public KafkaWaitWatch(IEngineEventSink events, TimeSpan notice)
    {
        this.events = events;
        this.notice = notice;
        timer = new Timer(_ => Check(), null, Tick, Tick);
    }

    /// <summary>A message was handed to the producer.</summary>
    public void HandedOver()
    {
        lock (gate)
        {
            // Waiting is counted from the later of the last acknowledgement and the moment there was something to wait for.
            if (inFlight++ == 0)
            {
                lastProgress = clock.Elapsed;
            }
        }
    }

    /// <summary>The producer reported a message's outcome: acknowledged, or failed for good.</summary>
    public void Reported(bool acknowledged)
    {
        KafkaWaitEvent? ended = null;
        lock (gate)
        {
            inFlight--;
            if (acknowledged)
            {
                lastProgress = clock.Elapsed;
                cause = null;
            }
            if (waiting && (acknowledged || inFlight == 0))
            {
                waiting = false;
                ended = new KafkaWaitEvent(IsWaiting: false, clock.Elapsed - lastProgress, null);
            }
        }
        if (ended is not null)
        {
            events.Post(ended);
            events.Verbose(acknowledged ? "Kafka acknowledges again." : "Stopped waiting for Kafka: nothing is in flight any more.");
        }
    }

    /// <summary>A producer error (librdkafka retries through them): what the wait, if there is one, is put down to.</summary>
    public void ClientError(Error error)
    {
        var described = error.Code switch
        {
            ErrorCode.Local_AllBrokersDown => "all brokers unreachable",
            ErrorCode.Local_Transport => $"broker {BrokerOf(error.Reason)} unreachable",
            ErrorCode.Local_Authentication => $"authentication failed: {error.Reason}",
            ErrorCode.Local_Resolve => $"cannot resolve {BrokerOf(error.Reason)}",
            _ => error.Reason,
        };
        lock (gate)
        {
            // "All brokers down" says more than which one failed last; keep it until something is acknowledged.
            if (cause is null || error.Code == ErrorCode.Local_AllBrokersDown || !cause.StartsWith("all brokers", StringComparison.Ordinal))
            {
                cause = described;
            }
        }
    }

    public void Dispose() => timer.Dispose();

    private void Check()
    {
        KafkaWaitEvent? update = null;
        var started = false;
        lock (gate)
        {
            var silence = clock.Elapsed - lastProgress;
            if (inFlight > 0 && silence >= notice)
            {
                started = !waiting;
                waiting = true;
                update = new KafkaWaitEvent(IsWaiting: true, silence, cause);
            }
        }
        if (update is not null)
        {
            if (started)
            {
                events.Verbose(update.Describe());
            }
            events.Post(update);
        }
    }

    /// <summary>librdkafka names the broker first: "host:port/id: Connect to ... failed".</summary>
    private static string BrokerOf(string reason)
    {
        var end = reason.IndexOf(": ", StringComparison.Ordinal);
        return end > 0 ? reason.Substring(0, end) : reason;
    }
}
