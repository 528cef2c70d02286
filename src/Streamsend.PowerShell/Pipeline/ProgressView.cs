using System.Diagnostics;
using System.Management.Automation;
using Streamsend.Engine.Events;

namespace Streamsend.PowerShell.Pipeline;

/// <summary>
/// Turns engine progress into Write-Progress records: one parent activity for the run, one child per file, each
/// updated at most a few times a second, and closed when done.
/// </summary>
internal sealed class ProgressView
{
    private const int OverallActivityId = 1;
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly Cmdlet cmdlet;
    private readonly string activity;
    private readonly bool enabled;
    private readonly Dictionary<Guid, FileBar> bars = new();
    private readonly Stopwatch run = Stopwatch.StartNew();
    private TimeSpan? lastOverall;
    private int nextActivityId = OverallActivityId + 1;
    private long completedBytes;
    private long resumedBytes;
    private int completedFiles;
    private string? waiting;

    /// <param name="enabled">False in unattended runs: no record is built or written, so progress costs nothing.</param>
    public ProgressView(Cmdlet cmdlet, string activity, bool enabled = true)
    {
        this.cmdlet = cmdlet;
        this.activity = activity;
        this.enabled = enabled;
    }

    /// <summary>Bytes and files the run expects in all, when known (sending); 0 when not (receiving).</summary>
    public long PlannedBytes { get; set; }

    public int PlannedFiles { get; set; }

    public void Update(TransferProgress progress)
    {
        if (!enabled)
        {
            return;
        }
        if (!bars.TryGetValue(progress.TransferId, out var bar))
        {
            bar = new FileBar(nextActivityId++);
            bars.Add(progress.TransferId, bar);
        }
        bar.Latest = progress;
        if (progress.IsComplete)
        {
            bars.Remove(progress.TransferId);
            completedBytes += progress.BytesDone;
            resumedBytes += progress.BytesResumed;
            completedFiles++;
            Write(new ProgressRecord(bar.ActivityId, progress.RelativePath, "Done") { ParentActivityId = OverallActivityId, RecordType = ProgressRecordType.Completed });
        }
        else if (bar.LastWritten is not { } written || run.Elapsed - written >= Interval)
        {
            bar.LastWritten = run.Elapsed;
            Write(FileRecord(bar.ActivityId, progress));
        }
        Overall(force: false);
    }

    /// <summary>While the sender waits for Kafka, the run's record says so instead of looking hung; it clears when acknowledgements resume.</summary>
    public void Waiting(KafkaWaitEvent wait)
    {
        if (!enabled)
        {
            return;
        }
        waiting = wait.IsWaiting ? wait.Describe() : null;
        Overall(force: true);
    }

    /// <summary>Closes every bar still open.</summary>
    public void Complete()
    {
        if (!enabled)
        {
            return;
        }
        foreach (var bar in bars.Values)
        {
            Write(new ProgressRecord(bar.ActivityId, bar.Latest?.RelativePath ?? activity, "Stopped") { ParentActivityId = OverallActivityId, RecordType = ProgressRecordType.Completed });
        }
        bars.Clear();
        Write(new ProgressRecord(OverallActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
    }

    private void Overall(bool force)
    {
        if (!force && lastOverall is { } last && run.Elapsed - last < Interval)
        {
            return;
        }
        lastOverall = run.Elapsed;
        var done = completedBytes + bars.Values.Sum(b => b.Latest?.BytesDone ?? 0);
        // Bytes a resumed file had sent in an earlier run count as done, not as this run's speed.
        var movedNow = done - resumedBytes - bars.Values.Sum(b => b.Latest?.BytesResumed ?? 0);
        var rate = run.Elapsed.TotalSeconds > 0 ? movedNow / run.Elapsed.TotalSeconds : 0;
        var files = PlannedFiles > 0 ? $"{completedFiles} of {PlannedFiles} files" : $"{completedFiles} files";
        var bytes = PlannedBytes > 0 ? $"{Size(done)} of {Size(PlannedBytes)}" : Size(done);
        var status = $"{files}, {bytes}, {Size((long)rate)}/s";
        var record = new ProgressRecord(OverallActivityId, activity, waiting is null ? status : $"{waiting}; {status}");
        if (PlannedBytes > 0)
        {
            record.PercentComplete = (int)Math.Max(0, Math.Min(100, done * 100 / PlannedBytes));
            if (rate > 0 && waiting is null)
            {
                record.SecondsRemaining = (int)Math.Max(0, (PlannedBytes - done) / rate);
            }
        }
        Write(record);
    }

    private static ProgressRecord FileRecord(int activityId, TransferProgress progress)
    {
        var record = new ProgressRecord(activityId, progress.RelativePath, $"{Size(progress.BytesDone)} of {Size(progress.BytesTotal)}, {Size((long)progress.BytesPerSecond)}/s")
        {
            ParentActivityId = OverallActivityId,
        };
        if (progress.BytesTotal > 0)
        {
            record.PercentComplete = (int)Math.Max(0, Math.Min(100, progress.BytesDone * 100 / progress.BytesTotal));
            if (progress.BytesPerSecond > 0)
            {
                record.SecondsRemaining = (int)((progress.BytesTotal - progress.BytesDone) / progress.BytesPerSecond);
            }
        }
        return record;
    }

    private void Write(ProgressRecord record) => cmdlet.WriteProgress(record);

    private static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.##} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.#} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.#} KiB",
        _ => $"{bytes} B",
    };

    private sealed class FileBar
    {
        public FileBar(int activityId) => ActivityId = activityId;

        public int ActivityId { get; }

        public TransferProgress? Latest { get; set; }

        public TimeSpan? LastWritten { get; set; }
    }
}
