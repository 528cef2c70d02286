namespace Streamsend.Engine.Sinks.S3;

/// <summary>Which parts of a <see cref="PartLayout"/> have all their bytes, as chunks arrive in any order.</summary>
internal sealed class PartProgress
{
    private readonly PartLayout layout;
    private readonly long[] filled;

    public PartProgress(PartLayout layout)
    {
        this.layout = layout;
        filled = new long[layout.PartCount];
    }

    /// <summary>How many parts a chunk's bytes fall in.</summary>
    public int PartsOf(long offset, int length) => length == 0 ? 0 : layout.PartAt(offset + length - 1) - layout.PartAt(offset) + 1;

    /// <summary>Counts a chunk's bytes into their parts; returns the parts it completed, in order.</summary>
    public List<int> Fill(long offset, int length)
    {
        var completed = new List<int>();
        if (length == 0)
        {
            return completed;
        }
        for (var part = layout.PartAt(offset); part <= layout.PartAt(offset + length - 1); part++)
        {
            var start = Math.Max(offset, layout.StartOf(part));
            var end = Math.Min(offset + length, layout.StartOf(part) + layout.LengthOf(part));
            filled[part] += end - start;
            if (filled[part] == layout.LengthOf(part))
            {
                completed.Add(part);
            }
        }
        return completed;
    }
}
