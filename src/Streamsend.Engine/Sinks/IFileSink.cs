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

    /// <summary>Starts a file. Throws a <see cref="StreamsendException"/> when its path is unsafe or the destination refuses it.</summary>
    ValueTask<IPartialFile> BeginAsync(IncomingFile file, CancellationToken cancellationToken);

    /// <summary>
    /// Lands files that arrived together, each atomically and on its own: one that fails leaves its neighbours landed.
    /// Returns one outcome per file, in order. A sink may share its costly steps between them (flushes to disk, the
    /// landed journal); by default each file is begun, written and committed in turn.
    /// </summary>
    async ValueTask<IReadOnlyList<FileLanding>> LandAllAsync(IReadOnlyList<CompleteFile> files, CancellationToken cancellationToken)
    {
        var landings = new List<FileLanding>(files.Count);
        foreach (var file in files)
        {
            try
            {
                var partial = await BeginAsync(file.File, cancellationToken).ConfigureAwait(false);
                await using (partial.ConfigureAwait(false))
                {
                    await partial.WriteAsync(0, file.Content, cancellationToken).ConfigureAwait(false);
                    landings.Add(new FileLanding(await partial.CommitAsync(file.Md5, cancellationToken).ConfigureAwait(false), null));
                }
            }
            catch (StreamsendException e)
            {
                landings.Add(new FileLanding(null, e));
            }
        }
        return landings;
    }
}
