using System.Diagnostics;

namespace Streamsend.Bench;

/// <summary>
/// This process's CPU time sampled against the wall clock, so that the CPU it spent (mock cluster, raw consumer,
/// receiver) can be read for a window that a child process timed: the child reports when its work started, the
/// parent cannot mark that moment itself.
/// </summary>
public sealed class CpuTimeline : IDisposable
{
    /// <summary>Short against the 1–10 s windows measured: linear interpolation between samples errs by a fraction of this.</summary>
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    private readonly object gate = new();
    private readonly List<(DateTimeOffset At, double CpuSeconds)> samples = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Thread sampler;

    public CpuTimeline()
    {
        Sample();
        sampler = new Thread(Run) { IsBackground = true, Name = "cpu timeline" };
        sampler.Start();
    }

    /// <summary>CPU seconds this process spent between two moments, interpolated between the samples around them.</summary>
    public double CpuSecondsBetween(DateTimeOffset from, DateTimeOffset to)
    {
        // The end may be the moment just measured; a last sample makes sure the timeline reaches it.
        Sample();
        lock (gate)
        {
            return At(to) - At(from);
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        sampler.Join();
        stop.Dispose();
    }

    private void Run()
    {
        while (!stop.Token.WaitHandle.WaitOne(Interval))
        {
            Sample();
        }
    }

    private void Sample()
    {
        // Read under the lock, so that samples taken by two threads stay in time order.
        lock (gate)
        {
            samples.Add((DateTimeOffset.UtcNow, ProcessMeter.CpuTime().TotalSeconds));
        }
    }

    private double At(DateTimeOffset moment)
    {
        var after = samples.FindIndex(s => s.At >= moment);
        if (after <= 0)
        {
            return after == 0 ? samples[0].CpuSeconds : samples[^1].CpuSeconds;
        }
        var (startAt, startCpu) = samples[after - 1];
        var (endAt, endCpu) = samples[after];
        var fraction = (moment - startAt) / (endAt - startAt);
        return startCpu + fraction * (endCpu - startCpu);
    }
}
