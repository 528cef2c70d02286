namespace Streamsend.Engine.Sinks;

/// <summary>
/// The transfer ids a destination has landed, one per line, appended as each file lands. A receiver killed after
/// landing a file but before committing its offsets reads that file's chunks again on restart; the journal is how it
/// knows not to land it twice. Bounded: past <see cref="MaxEntries"/> lines it is rewritten with the newest half.
/// </summary>
public sealed class LandedJournal : IDisposable
{
    public const int MaxEntries = 200_000;

    private readonly string path;
    private readonly HashSet<Guid> landed = new();
    private readonly Queue<Guid> order = new();
    private StreamWriter? writer;

    public LandedJournal(string path) => this.path = path;

    public void Load()
    {
        if (File.Exists(path))
        {
            foreach (var line in File.ReadLines(path))
            {
                // A line cut short by a crash mid-write is not a transfer id; skipping it loses nothing.
                if (Guid.TryParseExact(line.Trim(), "N", out var id) && landed.Add(id))
                {
                    order.Enqueue(id);
                }
            }
        }
        if (order.Count > MaxEntries)
        {
            Compact();
        }
        writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = false };
    }

    public bool Contains(Guid transferId) => landed.Contains(transferId);

    public void Record(Guid transferId)
    {
        if (!landed.Add(transferId))
        {
            return;
        }
        order.Enqueue(transferId);
        writer!.WriteLine(transferId.ToString("N"));
        writer.Flush();
        ((FileStream)writer.BaseStream).Flush(flushToDisk: true);
        if (order.Count > MaxEntries)
        {
            writer.Dispose();
            Compact();
            writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read));
        }
    }

    /// <summary>Keeps the newest half, written to a new file and renamed over the old one so a crash leaves one or the other whole.</summary>
    private void Compact()
    {
        while (order.Count > MaxEntries / 2)
        {
            landed.Remove(order.Dequeue());
        }
        var temporary = path + ".new";
        File.WriteAllLines(temporary, order.Select(id => id.ToString("N")));
        File.Move(temporary, path, overwrite: true);
    }

    public void Dispose() => writer?.Dispose();
}
