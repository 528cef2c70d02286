using System.Globalization;

namespace Streamsend.MockKafka;

/// <summary>A topic to create: `name:partitions[:replication]` on the command line, replication 1 unless given.</summary>
public sealed record TopicSpec(string Name, int Partitions, int ReplicationFactor)
{
    public static TopicSpec Parse(string text)
    {
        var parts = text.Split(':');
        if (parts.Length is < 2 or > 3 || parts[0].Length == 0)
        {
            throw new FormatException($"'{text}' is not name:partitions[:replication].");
        }
        return new TopicSpec(parts[0], Number(parts[1], text), parts.Length == 3 ? Number(parts[2], text) : 1);
    }

    public void CreateIn(MockKafkaCluster cluster) => cluster.CreateTopic(Name, Partitions, ReplicationFactor);

    private static int Number(string text, string spec) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new FormatException($"'{text}' in '{spec}' is not a whole number.");
}
