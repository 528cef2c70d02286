namespace Streamsend.Engine.Sinks;

/// <summary>
/// The transfers a destination has landed, one line each, appended as each file lands: the transfer id, the sender and
/// the relative path it landed at (tab-separated, percent-encoded). A receiver killed after landing a file but before
/// committing its offsets reads that file's chunks again on restart; the ids are how it knows not to land it twice.
/// The senders are how a file from one sender is kept from replacing another sender's (<see cref="SenderCollisionRule"/>).
/// Lines with an id alone, written before senders were recorded, still count as landed. Bounded: past
/// <see cref="MaxEntries"/> ids it is rewritten with the newest half, and the sender of every path.
/// </summary>
public sealed class LandedJournal : IDisposable
{
    public const int MaxEntries = 200_000;

    /// <summary>What a landing line holds.</summary>
    public sealed record Landing(Guid TransferId, string Sender, string RelativePath);

    private const string NoTransfer = "-";

    private readonly string path;
    private readonly HashSet<Guid> landed = new();
    private readonly Queue<Guid> order = new();
    private readonly Dictionary<string, Landing> byPath = new(StringComparer.Ordinal);
    private StreamWriter? writer;
    private long readUpTo;
    // Landings run several at a time: the state is read and written under gate; records wait in pending for the
    // next flush to disk, which one of their callers does for all of them (see RecordAll).
    private readonly object gate = new();
    private readonly object flushing = new();
    private readonly object pendingGate = new();
    private List<PendingRecord> pending = new();

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
        lock (gate)
        {
            if (landed.Contains(transferId))
            {
                return true;
            }
            ReadNewLines();
            return landed.Contains(transferId);
        }
    }

    /// <summary>The sender of the file last landed at <paramref name="relativePath"/>, by any receiver of this destination; null when none was.</summary>
    public string? SenderOf(string relativePath)
    {
        lock (gate)
        {
            ReadNewLines();
            return byPath.TryGetValue(relativePath, out var landing) ? landing.Sender : null;
        }
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
            // A line cut short by a crash mid-write has no valid id or no path; skipping it loses nothing.
            var fields = line.Trim().Split('\t');
            var hasId = Guid.TryParseExact(fields[0], "N", out var id);
            if (hasId && landed.Add(id))
            {
                order.Enqueue(id);
            }
            if (fields.Length == 3 && (hasId || fields[0] == NoTransfer))
            {
                var relative = Uri.UnescapeDataString(fields[2]);
                byPath[relative] = new Landing(hasId ? id : Guid.Empty, Uri.UnescapeDataString(fields[1]), relative);
            }
        }
        readUpTo = stream.Length;
    }

    private StreamWriter OpenWriter() => new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete)) { AutoFlush = false };

    public void Record(Landing landing) => RecordAll(new[] { landing });

    /// <summary>
    /// Appends transfers that landed and returns once they are on disk. The flush, not the line, is what costs, so
    /// records that arrive while another caller flushes wait and go to disk together with the next flush (group commit):
    /// files landing side by side share it. With <paramref name="flushToDisk"/> false the lines are only handed to the
    /// operating system, for a caller that makes the whole file system durable next (<see cref="LandingDurability"/>).
    /// </summary>
    public void RecordAll(IEnumerable<Landing> landings, bool flushToDisk = true)
    {
        var record = new PendingRecord(landings.ToList(), flushToDisk);
        lock (pendingGate)
        {
            pending.Add(record);
        }
        lock (flushing)
        {
            if (record.Durable)
            {
                return;
            }
            List<PendingRecord> batch;
            lock (pendingGate)
            {
                batch = pending;
                pending = new List<PendingRecord>();
            }
            lock (gate)
            {
                Append(batch.SelectMany(r => r.Landings), batch.Any(r => r.FlushToDisk));
            }
            foreach (var flushed in batch)
            {
                flushed.Durable = true;
            }
        }
    }

    private void Append(IEnumerable<Landing> landings, bool flushToDisk)
    {
        var stream = (FileStream)writer!.BaseStream;
        var lengthBefore = stream.Length;
        var added = false;
        foreach (var landing in landings)
        {
            if (landed.Add(landing.TransferId))
            {
                order.Enqueue(landing.TransferId);
                byPath[landing.RelativePath] = landing;
                writer.WriteLine(Line(landing));
                added = true;
            }
        }
        if (!added)
        {
            return;
        }
        writer.Flush();
        stream.Flush(flushToDisk);
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

    private sealed class PendingRecord(List<Landing> landings, bool flushToDisk)
    {
        public List<Landing> Landings { get; } = landings;

        public bool FlushToDisk { get; } = flushToDisk;

        public bool Durable { get; set; }
    }

    private static string Line(Landing landing) =>
        $"{(landing.TransferId == Guid.Empty ? NoTransfer : landing.TransferId.ToString("N"))}\t{Uri.EscapeDataString(landing.Sender)}\t{Uri.EscapeDataString(landing.RelativePath)}";

    /// <summary>
    /// Keeps the newest half of the ids and the sender of every path, written to a new file and renamed over the old
    /// one so a crash leaves one or the other whole.
    /// </summary>
    private void Compact()
    {
        while (order.Count > MaxEntries / 2)
        {
            landed.Remove(order.Dequeue());
        }
        var withPath = new HashSet<Guid>(byPath.Values.Select(l => l.TransferId).Where(landed.Contains));
        var lines = order.Where(id => !withPath.Contains(id)).Select(id => id.ToString("N"))
            .Concat(byPath.Values.Select(l => Line(landed.Contains(l.TransferId) ? l : l with { TransferId = Guid.Empty })));
        var temporary = path + ".new";
        File.WriteAllLines(temporary, lines);
        File.Move(temporary, path, overwrite: true);
        readUpTo = 0;
    }

    public void Dispose() => writer?.Dispose();
}
