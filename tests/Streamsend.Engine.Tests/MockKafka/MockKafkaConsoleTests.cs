using Confluent.Kafka;
using static Streamsend.Engine.Tests.MockKafka.MockKafkaClients;

namespace Streamsend.Engine.Tests.MockKafka;

public sealed class MockKafkaConsoleTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task The_tool_prints_its_servers_creates_topics_on_command_carries_messages_and_exits_when_stdin_closes()
    {
        using var tool = await MockKafkaProcess.StartAsync("--brokers", "3");

        var reply = await tool.SendAsync("topic console 2 1");
        using (var producer = Producer(tool.BootstrapServers))
        {
            await producer.ProduceAsync(new TopicPartition("console", 1), Message("greeting", "hello from another process")).WaitAsync(Patience);
        }
        var received = ReadToEnd(tool.BootstrapServers, "console", 1, Patience);
        tool.CloseInput();
        var exited = await tool.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.Matches(@"^127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$", tool.BootstrapServers);
        Assert.Equal("OK", reply);
        Assert.Equal(new Received(1, 0, "greeting", "hello from another process"), Assert.Single(received));
        Assert.True(exited, "the tool did not exit after its stdin closed");
        Assert.Equal(0, tool.ExitCode);
    }

    [Fact]
    public async Task Topics_given_on_the_command_line_exist_before_the_servers_are_printed()
    {
        using var tool = await MockKafkaProcess.StartAsync("--brokers", "2", "--topic", "ready:3:2");
        using var admin = Admin(tool.BootstrapServers, allowAutoCreateTopics: false);

        var metadata = admin.GetMetadata("ready", TimeSpan.FromSeconds(5));

        Assert.Equal(2, metadata.Brokers.Count);
        var topic = metadata.Topics.Single();
        Assert.Equal(ErrorCode.NoError, topic.Error.Code);
        Assert.Equal(3, topic.Partitions.Count);
        Assert.All(topic.Partitions, p => Assert.Equal(2, p.Replicas.Length));
    }

    [Fact]
    public async Task Every_command_gets_one_reply_line_bad_ones_an_ERR_with_the_reason_and_quit_ends_the_tool()
    {
        using var tool = await MockKafkaProcess.StartAsync();

        var replies = new List<string>();
        foreach (var command in new[] { "topic twice 1", "topic twice 1", "down 2", "up 2", "rtt all 0", "errors Produce NotLeaderForPartition 7", "errors 0 NoSuchError", "clearerrors 0", "leader twice 0 3", "fly away" })
        {
            replies.Add(await tool.SendAsync(command));
        }
        var quit = await tool.SendAsync("quit");
        var exited = await tool.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(
            new[]
            {
                "OK",
                "ERR The mock cluster could not create topic 'twice': TopicAlreadyExists (36).",
                "OK",
                "OK",
                "OK",
                "OK",
                "ERR 'NoSuchError' is not a Confluent.Kafka ErrorCode name or number.",
                "OK",
                "OK",
                "ERR unknown command or wrong arguments: 'fly away'",
            },
            replies);
        Assert.Equal("OK", quit);
        Assert.True(exited, "the tool did not exit after quit");
        Assert.Equal(0, tool.ExitCode);
    }
}
