using Streamsend.MockKafka;

// A mock Kafka cluster for tests in other processes (Pester, kcat, the demo): prints `BOOTSTRAP <servers>`, then
// applies one command per stdin line, answering OK or ERR, until `quit` or stdin closes.
var brokers = 3;
var topics = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--brokers":
            brokers = int.Parse(args[++i]);
            break;
        case "--topic":
            topics.Add(args[++i]);
            break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'; use --brokers N --topic name:partitions[:replication]");
            return 2;
    }
}
using var cluster = MockKafkaCluster.Start(brokers);
foreach (var topic in topics)
{
    MockCommand.CreateFromSpec(cluster, topic);
}
Console.Out.WriteLine($"BOOTSTRAP {cluster.BootstrapServers}");
Console.Out.Flush();
while (Console.In.ReadLine() is { } line)
{
    if (line.Trim() == "quit")
    {
        break;
    }
    if (line.Trim().Length > 0)
    {
        Console.Out.WriteLine(MockCommand.Apply(cluster, line));
        Console.Out.Flush();
    }
}
return 0;
