namespace Streamsend.Engine.Receiving;

/// <summary>
/// Transfers that ended (landed, rejected or aborted) recently, so late or repeated chunks of them are recognised and
/// ignored. Bounded: the oldest are forgotten first.
/// </summary>
internal sealed class RecentTransfers
{
    private readonly int capacity;
    private readonly Dictionary<Guid, TransferEnd> ends = new();
    private readonly Queue<Guid> order = new();

    public RecentTransfers(int capacity) => this.capacity = capacity;

    public bool TryGet(Guid transferId, out TransferEnd end) => ends.TryGetValue(transferId, out end);

    public void Add(Guid transferId, TransferEnd end)
    {
        if (ends.TryAdd(transferId, end))
        {
            order.Enqueue(transferId);
            if (order.Count > capacity)
            {
                ends.Remove(order.Dequeue());
            }
        }
    }
}

internal enum TransferEnd
{
    Landed,
    Rejected,
    Aborted,

    /// <summary>
    /// Refused for now (the destination refused it): its offsets stay held so the next run receives it again, and
    /// chunks of it that arrive again in this run (a rebalance re-delivers from the committed offset) are held too,
    /// never passed, or the commit would move past a file that did not land.
    /// </summary>
    Deferred,
}
