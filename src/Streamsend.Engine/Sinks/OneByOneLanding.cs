namespace Streamsend.Engine.Sinks;

/// <summary>
/// <see cref="IFileSink.LandAllAsync"/> for a sink with no costly step to share between files: each file is begun,
/// written and committed in turn, and one that fails leaves its neighbours landed.
/// </summary>
/// <remarks>A helper rather than a default interface method: .NET Framework has no default interface methods.</remarks>
public static class OneByOneLanding
{
    public static async ValueTask<IReadOnlyList<FileLanding>> LandAllAsync(IFileSink sink, IReadOnlyList<CompleteFile> files, CancellationToken cancellationToken)
    {
        var landings = new List<FileLanding>(files.Count);
        foreach (var file in files)
        {
            try
            {
                var partial = await sink.BeginAsync(file.File, cancellationToken).ConfigureAwait(false);
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
