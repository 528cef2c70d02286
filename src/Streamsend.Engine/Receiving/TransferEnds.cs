namespace Streamsend.Engine.Receiving;

/// <summary>
/// Ending a transfer, for the assemble and land stages alike: how it ended is remembered (<see cref="RecentTransfers"/>)
/// so late chunks of it are recognised, its staged data goes unless it landed, and unless deferred its offsets stop
/// holding commits back.
/// </summary>
internal sealed class TransferEnds
{
    private readonly RecentTransfers recent = new(capacity: 100_000);
    private readonly SafeOffsetTracker offsets;

    public TransferEnds(SafeOffsetTracker offsets) => this.offsets = offsets;

    /// <summary>Whether the transfer ended recently, and how.</summary>
    public bool TryGet(Guid transferId, out TransferEnd end) => recent.TryGet(transferId, out end);

    /// <summary>A transfer that ended with nothing of it open here (landed before a restart, refused before it began, kept by an earlier run).</summary>
    public void Record(Guid transferId, TransferEnd end) => recent.Add(transferId, end);

    public async Task EndAsync(TransferAssembly assembly, TransferEnd end)
    {
        recent.Add(assembly.First.TransferId, end);
        if (end != TransferEnd.Landed)
        {
            await assembly.AbortAsync().ConfigureAwait(false);
        }
        await assembly.DisposeAsync().ConfigureAwait(false);
        if (end != TransferEnd.Deferred)
        {
            offsets.Release(assembly.Messages);
        }
    }
}
