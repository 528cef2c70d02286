namespace Streamsend.Engine.Sinks;

/// <summary>
/// Where received files land: a local directory now, object stores later. One implementation per store, so the
/// receiver never asks which store it writes to.
/// </summary>
public interface IFileSink : IAsyncDisposable
{
    /// <summary>The destination as the user named it, for messages.</summary>
    string Destination { get; }

    /// <summary>Readies the destination and removes temporary data a killed receiver left behind.</summary>
    ValueTask PrepareAsync(CancellationToken cancellationToken);

    /// <summary>Whether this transfer already landed here (a receiver killed before committing reads it again).</summary>
    ValueTask<bool> WasLandedAsync(IncomingFile file, CancellationToken cancellationToken);

    /// <summary>Incomplete transfers kept by earlier runs (<see cref="IPartialFile.KeepAsync"/>) and not taken up since; empty for sinks that keep none.</summary>
    ValueTask<IReadOnlyList<KeptTransfer>> KeptAsync(CancellationToken cancellationToken);

    /// <summary>Removes a kept transfer's staged data: it expired, or its sender abandoned it.</summary>
    ValueTask DiscardKeptAsync(Guid transferId);

    /// <summary>
    /// Starts a file, or takes up the staged data an earlier run kept of it (see <see cref="IPartialFile.Kept"/>).
    /// Throws a <see cref="StreamsendException"/> when its path is unsafe or the destination refuses it.</summary>
    ValueTask<IPartialFile> BeginAsync(IncomingFile file, CancellationToken cancellationToken);

    /// <summary>
    /// Lands files that arrived together, each atomically and on its own: one that fails leaves its neighbours landed.
    /// Returns one outcome per file, in order. A sink may share its costly steps between them (flushes to disk, the
    /// landed journal); <see cref="OneByOneLanding"/> begins, writes and commits each file in turn.
    /// </summary>
    ValueTask<IReadOnlyList<FileLanding>> LandAllAsync(IReadOnlyList<CompleteFile> files, CancellationToken cancellationToken);
}
