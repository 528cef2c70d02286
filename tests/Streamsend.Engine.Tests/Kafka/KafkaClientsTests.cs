using Streamsend.Engine.Kafka;

namespace Streamsend.Engine.Tests.Kafka;

public class KafkaClientsTests
{
    [Fact]
    public void User_properties_override_defaults_but_never_the_delivery_and_commit_guarantees()
    {
        var settings = new KafkaSettings("k:9092", new Dictionary<string, string>
        {
            ["acks"] = "1",
            ["request.required.acks"] = "0",
            ["enable.idempotence"] = "false",
            ["enable.auto.commit"] = "true",
            ["linger.ms"] = "50",
            ["security.protocol"] = "SASL_SSL",
        });
        var engineDefaults = new Dictionary<string, string> { ["acks"] = "all", ["enable.idempotence"] = "true", ["linger.ms"] = "5", ["enable.auto.commit"] = "false" };

        var merged = KafkaClients.Merge(settings, engineDefaults);

        Assert.Equal("all", merged["acks"]);
        Assert.False(merged.ContainsKey("request.required.acks"));
        Assert.Equal("true", merged["enable.idempotence"]);
        Assert.Equal("false", merged["enable.auto.commit"]);
        Assert.Equal("50", merged["linger.ms"]);
        Assert.Equal("SASL_SSL", merged["security.protocol"]);
        Assert.Equal("k:9092", merged["bootstrap.servers"]);
    }
}
