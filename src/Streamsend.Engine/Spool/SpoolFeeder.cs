using System.Threading.Channels;
using Streamsend.Engine.Events;
using Streamsend.Engine.Sending;

namespace Streamsend.Engine.Spool;

/// <summary>
/// Feeds the sender from spool roots. One pass: look, wait the settle time, look again, and send what held still.
/// Watching: look again whenever the file system reports a change, soon while files are settling, and at the rescan
/// interval anyway (events are lost on network shares), until told to stop.
/// </summary>
public sealed class SpoolFeeder
{
    private static readonly TimeSpan EventDebounce = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Added to the one-pass wait: a timer can fire a little before the wall clock that the scanner reads has moved on
    /// by the full settle time (tick granularity, clock adjustment), and a second look then finds every file still
    /// settling and the pass sends nothing.
    /// </summary>
    private static readonly TimeSpan ClockSlack = TimeSpan.FromMilliseconds(100);

    private readonly IReadOnlyList<SpoolRoot> roots;
    private readonly SpoolScanner scanner;
    private readonly SpoolOptions options;
    private readonly IEngineEventSink events;

    public SpoolFeeder(IReadOnlyList<SpoolRoot> roots, SpoolScanner scanner, SpoolOptions options, IEngineEventSink events)
    {
        this.roots = roots;
        this.scanner = scanner;
        this.options = options;
        this.events = events;
    }

    /// <summary>One pass: the files that are ready now, after one settle time.</summary>
    public async Task<IReadOnlyList<FileSnapshot>> ScanOnceAsync(CancellationToken cancellationToken)
    {
        var ready = scanner.Scan().ToList();
        if (scanner.HasSettlingFiles && options.SettleTime > TimeSpan.Zero)
        {
            await Task.Delay(options.SettleTime + ClockSlack, cancellationToken).ConfigureAwait(false);
            ready.AddRange(scanner.Scan());
        }
        return ready;
    }

    /// <summary>Writes ready files to <paramref name="requests"/> until <paramref name="stopWatching"/> is cancelled; does not complete the channel.</summary>
    public async Task WatchAsync(ChannelWriter<SendRequest> requests, CancellationToken stopWatching)
    {
        using var changed = new SemaphoreSlim(0, 1);
        var watchers = new List<FileSystemWatcher>();
        void Signal(object? sender, EventArgs e)
        {
            if (changed.CurrentCount == 0)
            {
                try
                {
                    changed.Release();
                }
                catch (SemaphoreFullException)
                {
                }
            }
        }
        try
        {
            foreach (var root in roots.Where(r => Directory.Exists(r.FullPath)))
            {
                var watcher = new FileSystemWatcher(root.FullPath)
                {
                    IncludeSubdirectories = true,
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
                    InternalBufferSize = 64 * 1024,
                };
                watcher.Created += Signal;
                watcher.Changed += Signal;
                watcher.Renamed += Signal;
                watcher.Error += (_, e) => events.Verbose($"File-system events for '{root.FullPath}' were lost ({e.GetException().Message}); the periodic rescan covers them.");
                watcher.EnableRaisingEvents = true;
                watchers.Add(watcher);
            }
            events.Verbose($"Watching {string.Join(", ", roots.Select(r => $"'{r.FullPath}'"))}: rescanning every {options.RescanInterval.TotalSeconds:0.#} s and on file-system events.");
            while (!stopWatching.IsCancellationRequested)
            {
                foreach (var file in scanner.Scan())
                {
                    await requests.WriteAsync(new SendRequest(file.FullPath, file.RelativePath), stopWatching).ConfigureAwait(false);
                }
                var wait = scanner.HasSettlingFiles ? Min(options.SettleTime, options.RescanInterval) : options.RescanInterval;
                if (await changed.WaitAsync(wait, stopWatching).ConfigureAwait(false))
                {
                    await Task.Delay(EventDebounce, stopWatching).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stopWatching.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var watcher in watchers)
            {
                watcher.Dispose();
            }
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
