namespace Streamsend.Engine.Sending;

/// <summary>
/// A token bucket shared by every file a sender sends: a chunk may go when its bytes are paid for at the configured rate.
/// The bucket starts empty and holds at most a quarter of a second's worth: enough to make up for timers that wake
/// late on a busy machine, too little for a burst that a shared WAN link would feel. A chunk larger than that is paid
/// for by waiting (the balance goes negative).
/// </summary>
public sealed class BandwidthLimiter
{
    private readonly object gate = new();
    private readonly double bytesPerSecond;
    private readonly double capacity;
    private readonly TimeProvider time;
    private double tokens;
    private long lastTimestamp;

    public BandwidthLimiter(long bytesPerSecond, TimeProvider? time = null)
    {
        if (bytesPerSecond <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bytesPerSecond), bytesPerSecond, "The rate must be positive.");
        }
        this.bytesPerSecond = bytesPerSecond;
        capacity = bytesPerSecond / 4.0;
        this.time = time ?? TimeProvider.System;
        lastTimestamp = this.time.GetTimestamp();
    }

    /// <summary>How long to wait before sending <paramref name="bytes"/>; books them at once, so concurrent senders queue fairly.</summary>
    public TimeSpan Reserve(long bytes)
    {
        lock (gate)
        {
            var now = time.GetTimestamp();
            tokens = Math.Min(capacity, tokens + time.GetElapsedTime(lastTimestamp, now).TotalSeconds * bytesPerSecond);
            lastTimestamp = now;
            tokens -= bytes;
            return tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-tokens / bytesPerSecond);
        }
    }

    public Task WaitAsync(long bytes, CancellationToken cancellationToken)
    {
        var wait = Reserve(bytes);
        return wait == TimeSpan.Zero ? Task.CompletedTask : Task.Delay(wait, time, cancellationToken);
    }
}
