using System.Globalization;
using Confluent.Kafka;

namespace Streamsend.MockKafka;

/// <summary>
/// One line of the console protocol applied to a cluster; the reply is `OK` or `ERR &lt;reason&gt;`, always one line.
/// </summary>
/// <remarks>
/// Commands: `topic NAME PARTITIONS [REPLICATION]`, `deletetopic NAME`, `down ID`, `up ID`, `rtt ID MS`
/// (ID is a broker id, or `all`), `errors APIKEY ERROR...`, `clearerrors APIKEY`, `leader TOPIC PARTITION ID`,
/// `topicerror TOPIC ERROR`, `controller ID`. APIKEY is a number or a <see cref="KafkaApiKey"/> name (Produce, Fetch...);
/// ERROR is a Confluent.Kafka ErrorCode name (NotLeaderForPartition, Local_Transport...) or number.
/// `quit` is handled by the caller (<see cref="IsQuit"/>).
/// </remarks>
public static class MockCommand
{
    public static bool IsQuit(string line) => line.Trim().Equals("quit", StringComparison.OrdinalIgnoreCase);

    public static string Apply(MockKafkaCluster cluster, string line)
    {
        // Null splits at any white space, so a trailing \r or a tab is no word.
        var words = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        try
        {
            switch (words)
            {
                case ["topic", var name, var partitions]:
                    cluster.CreateTopic(name, Number(partitions), 1);
                    break;
                case ["topic", var name, var partitions, var replication]:
                    cluster.CreateTopic(name, Number(partitions), Number(replication));
                    break;
                case ["deletetopic", var name]:
                    cluster.DeleteTopic(name);
                    break;
                case ["down", var id]:
                    cluster.SetBrokerDown(BrokerId(id));
                    break;
                case ["up", var id]:
                    cluster.SetBrokerUp(BrokerId(id));
                    break;
                case ["rtt", var id, var milliseconds]:
                    cluster.SetBrokerRtt(BrokerId(id), Number(milliseconds));
                    break;
                case ["errors", var apiKey, _, ..]:
                    cluster.PushRequestErrors(KafkaApiKey.Parse(apiKey), words.Skip(2).Select(Error).ToArray());
                    break;
                case ["clearerrors", var apiKey]:
                    cluster.ClearRequestErrors(KafkaApiKey.Parse(apiKey));
                    break;
                case ["leader", var topic, var partition, var id]:
                    cluster.SetPartitionLeader(topic, Number(partition), BrokerId(id));
                    break;
                case ["topicerror", var topic, var error]:
                    cluster.SetTopicError(topic, Error(error));
                    break;
                case ["controller", var id]:
                    cluster.SetControllerId(BrokerId(id));
                    break;
                default:
                    return $"ERR unknown command or wrong arguments: '{line.Trim()}'";
            }
            return "OK";
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            // Argument exceptions add "Actual value was ..." on a second line; the protocol is one line per reply.
            return "ERR " + string.Join(" ", e.Message.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));
        }
    }

    private static int Number(string text) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new FormatException($"'{text}' is not a whole number.");

    private static int BrokerId(string text) =>
        text.Equals("all", StringComparison.OrdinalIgnoreCase) ? MockKafkaCluster.AllBrokers : Number(text);

    private static ErrorCode Error(string text) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) ? (ErrorCode)number
        : Enum.TryParse<ErrorCode>(text, ignoreCase: true, out var named) && Enum.IsDefined(named) ? named
        : throw new FormatException($"'{text}' is not a Confluent.Kafka ErrorCode name or number.");
}
