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
    private long readUpTo;

    public LandedJournal(string path) => this.path = path;

    public void Load()
    {
        ReadNewLines();
        if (order.Count > MaxEntries)
        {
            Compact();
        }
        writer = OpenWriter();
    }

    /// <summary>Whether the transfer landed here, by this receiver or by another one sharing the destination.</summary>
    public bool Contains(Guid transferId)
    {
        if (landed.Contains(transferId))
        {
            return true;
        }
        ReadNewLines();
        return landed.Contains(transferId);
    }

    /// <summary>Reads what was appended since the last read (other receivers append to the same journal).</summary>
    private void ReadNewLines()
    {
        if (!File.Exists(path) || new FileInfo(path).Length <= readUpTo)
        {
            return;
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length < readUpTo)
        {
            readUpTo = 0;
        }
        stream.Position = readUpTo;
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            // A line cut short by a crash mid-write is not a transfer id; skipping it loses nothing.
            if (Guid.TryParseExact(line.Trim(), "N", out var id) && landed.Add(id))
            {
                order.Enqueue(id);
            }
        }
        readUpTo = stream.Length;
    }

    private StreamWriter OpenWriter() => new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete)) { AutoFlush = false };

    public void Record(Guid transferId) => RecordAll(new[] { transferId });

    /// <summary>Appends transfers that landed together with one flush to disk: the flush, not the line, is what costs.</summary>
    public void RecordAll(IEnumerable<Guid> transferIds)
    {
        var stream = (FileStream)writer!.BaseStream;
        var lengthBefore = stream.Length;
        var added = false;
        foreach (var transferId in transferIds)
        {
            if (landed.Add(transferId))
            {
                order.Enqueue(transferId);
                writer.WriteLine(transferId.ToString("N"));
                added = true;
            }
        }
        if (!added)
        {
            return;
        }
        writer.Flush();
        stream.Flush(flushToDisk: true);
        if (lengthBefore == readUpTo)
        {
            // Nobody else appended since the last read: our own lines need not be read back.
            readUpTo = stream.Length;
        }
        if (order.Count > MaxEntries)
        {
            writer.Dispose();
            Compact();
            writer = OpenWriter();
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
        readUpTo = 0;
    }

    public void Dispose() => writer?.Dispose();
}
