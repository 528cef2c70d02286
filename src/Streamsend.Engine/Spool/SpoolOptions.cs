namespace Streamsend.Engine.Spool;

/// <summary>How a spool folder is read: which files are ready, what happens to them once sent, and whether to keep watching.</summary>
public sealed record SpoolOptions
{
    /// <summary>Files written more recently than this are left for a later run.</summary>
    public TimeSpan MinimumAge { get; init; } = TimeSpan.Zero;

    /// <summary>A file must keep its length and last write time for this long, across two looks, before it is sent.</summary>
    public TimeSpan SettleTime { get; init; } = TimeSpan.FromSeconds(2);

    public AfterSendAction AfterSend { get; init; } = AfterSendAction.None;

    /// <summary>Where <see cref="AfterSendAction.Move"/> puts sent files, keeping their relative paths.</summary>
    public string? ArchivePath { get; init; }

    /// <summary>With a journal, files sent before and unchanged since are skipped (-Incremental).</summary>
    public SendJournal? Journal { get; init; }

    /// <summary>Watch mode: how often the folders are scanned again even without file-system events (lost on network shares).</summary>
    public TimeSpan RescanInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Watch mode: how long a failed file waits before it is offered again.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(30);
}
