using Streamsend.MockKafka;

// A mock Kafka cluster for tests in other processes (Pester, kcat, the demo): prints `BOOTSTRAP <servers>`, then
// answers each command line on stdin with one line, OK or ERR (see MockCommand), until `quit` or stdin closes; so the
// cluster never outlives the process that started it.
MockOptions options;
try
{
    options = MockOptions.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(MockOptions.Usage);
    return 2;
}

using var cluster = MockKafkaCluster.Start(options.Brokers);
foreach (var topic in options.Topics)
{
    topic.CreateIn(cluster);
}
Console.Out.WriteLine($"BOOTSTRAP {cluster.BootstrapServers}");
Console.Out.Flush();
while (Console.In.ReadLine() is { } line)
{
    if (string.IsNullOrWhiteSpace(line))
    {
        continue;
    }
    var quit = MockCommand.IsQuit(line);
    Console.Out.WriteLine(quit ? "OK" : MockCommand.Apply(cluster, line));
    Console.Out.Flush();
    if (quit)
    {
        break;
    }
}
return 0;
