namespace Streamsend.Engine.Sinks.S3;

/// <summary>
/// Which parts of a <see cref="PartLayout"/> have all their bytes, as chunks arrive in any order. Parts an earlier run
/// uploaded (a taken-up file) are never counted or completed again: their bytes are not uploaded twice.
/// </summary>
internal sealed class PartProgress
{
    private readonly PartLayout layout;
    private readonly long[] filled;
    private readonly bool[] uploadedBefore;

    /// <param name="uploadedBefore">Parts (0-based) an earlier run uploaded.</param>
    public PartProgress(PartLayout layout, IEnumerable<int> uploadedBefore)
    {
        this.layout = layout;
        filled = new long[layout.PartCount];
        this.uploadedBefore = new bool[layout.PartCount];
        foreach (var part in uploadedBefore)
        {
            this.uploadedBefore[part] = true;
        }
    }

    /// <summary>How many parts still to upload a chunk's bytes fall in.</summary>
    public int PartsOf(long offset, int length) => PartsSpanned(offset, length).Count(part => !uploadedBefore[part]);

    /// <summary>Counts a chunk's bytes into their parts still to upload; returns the parts it completed, in order.</summary>
    public List<int> Fill(long offset, int length)
    {
        var completed = new List<int>();
        foreach (var part in PartsSpanned(offset, length).Where(part => !uploadedBefore[part]))
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

    private IEnumerable<int> PartsSpanned(long offset, int length) =>
        length == 0 ? Enumerable.Empty<int>() : Enumerable.Range(layout.PartAt(offset), layout.PartAt(offset + length - 1) - layout.PartAt(offset) + 1);
}
