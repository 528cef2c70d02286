namespace Streamsend.Engine.Sinks;

/// <summary>Chunk index sets as [first, last] ranges: a 10 GB file's staged chunks take a few numbers, not ten thousand.</summary>
public static class ChunkRanges
{
    public static List<int[]> Encode(IEnumerable<int> indexes)
    {
        var ranges = new List<int[]>();
        foreach (var index in indexes.OrderBy(i => i))
        {
            if (ranges.Count > 0 && ranges[^1][1] + 1 >= index)
            {
                ranges[^1][1] = Math.Max(ranges[^1][1], index);
            }
            else
            {
                ranges.Add(new[] { index, index });
            }
        }
        return ranges;
    }

    public static List<int> Decode(IEnumerable<int[]> ranges) =>
        ranges.Where(r => r.Length == 2 && r[0] >= 0 && r[1] >= r[0]).SelectMany(r => Enumerable.Range(r[0], r[1] - r[0] + 1)).Distinct().ToList();

    /// <summary>"0-23, 40, 51-60", or "1, 3, 5, …, 21, 23" when there are many ranges: for messages.</summary>
    public static string Describe(IEnumerable<int> indexes)
    {
        var parts = Encode(indexes).Select(r => r[0] == r[1] ? $"{r[0]}" : $"{r[0]}-{r[1]}").ToList();
        return string.Join(", ", parts.Count <= 6 ? parts : parts.Take(3).Append("…").Concat(parts.Skip(parts.Count - 2)));
    }
}
