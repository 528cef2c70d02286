using Confluent.Kafka;

namespace Streamsend.MockKafka;

/// <summary>
/// One line of the console protocol, applied to a cluster: `topic NAME PARTITIONS REPLICATION`, `down ID`, `up ID`,
/// `rtt ID MS`, `errors APIKEY ERRORNAME...` (Confluent.Kafka ErrorCode names or numbers). Returns the reply line.
/// </summary>
public static class MockCommand
{
    public static string Apply(MockKafkaCluster cluster, string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        try
        {
            switch (words)
            {
                case ["topic", var name, var partitions, var replication]:
                    cluster.CreateTopic(name, int.Parse(partitions), int.Parse(replication));
                    break;
                case ["down", var id]:
                    cluster.SetBrokerDown(int.Parse(id));
                    break;
                case ["up", var id]:
                    cluster.SetBrokerUp(int.Parse(id));
                    break;
                case ["rtt", var id, var milliseconds]:
                    cluster.SetBrokerRtt(int.Parse(id), int.Parse(milliseconds));
                    break;
                case ["errors", var apiKey, .. var errorNames] when errorNames.Length > 0:
                    cluster.PushRequestErrors(short.Parse(apiKey), errorNames.Select(n => Enum.Parse<ErrorCode>(n, ignoreCase: true)).ToArray());
                    break;
                default:
                    return $"ERR unknown command '{line}'";
            }
            return "OK";
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or OverflowException)
        {
            return $"ERR {e.Message}";
        }
    }

    /// <summary>`name:partitions[:replication]` from the command line.</summary>
    public static void CreateFromSpec(MockKafkaCluster cluster, string spec)
    {
        var parts = spec.Split(':');
        cluster.CreateTopic(parts[0], parts.Length > 1 ? int.Parse(parts[1]) : 4, parts.Length > 2 ? int.Parse(parts[2]) : 1);
    }
}
