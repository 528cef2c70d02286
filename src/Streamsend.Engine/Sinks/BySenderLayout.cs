namespace Streamsend.Engine.Sinks;

/// <summary>
/// <c>-Layout BySender</c>: each sender's files land in a folder (or key prefix) of its own,
/// <c>&lt;Destination&gt;/&lt;sender&gt;/&lt;relative path&gt;</c>, around any sink. Fan-in then never collides: outlet-07's and
/// outlet-09's <c>reports/daily.csv</c> are two files. The sender's name is made one safe folder name
/// (<see cref="SenderCollisionRule.SafeName"/>); the rest of the path is checked by the sink as always.
/// </summary>
public sealed class BySenderLayout : IFileSink
{
    private readonly IFileSink inner;

    public BySenderLayout(IFileSink inner) => this.inner = inner;

    public string Destination => inner.Destination;

    public static IncomingFile Place(IncomingFile file) => file with { RelativePath = SenderCollisionRule.SafeName(file.Sender) + "/" + file.RelativePath };

    public ValueTask PrepareAsync(CancellationToken cancellationToken) => inner.PrepareAsync(cancellationToken);

    public ValueTask<bool> WasLandedAsync(IncomingFile file, CancellationToken cancellationToken) => inner.WasLandedAsync(Place(file), cancellationToken);

    public ValueTask<IReadOnlyList<KeptTransfer>> KeptAsync(CancellationToken cancellationToken) => inner.KeptAsync(cancellationToken);

    public ValueTask DiscardKeptAsync(Guid transferId) => inner.DiscardKeptAsync(transferId);

    public ValueTask<IPartialFile> BeginAsync(IncomingFile file, CancellationToken cancellationToken) => inner.BeginAsync(Place(file), cancellationToken);

    public ValueTask<IReadOnlyList<FileLanding>> LandAllAsync(IReadOnlyList<CompleteFile> files, CancellationToken cancellationToken) =>
        inner.LandAllAsync(files.Select(f => f with { File = Place(f.File) }).ToList(), cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
