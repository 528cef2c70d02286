using Streamsend.Engine.Configuration;

namespace Streamsend.Engine.Tests.Configuration;

public sealed class KafkaConfigurationSourcesTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("streamsend-config-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string File(string name, string text)
    {
        var path = Path.Combine(folder, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    private static Func<string, string?> Environment(Dictionary<string, string> variables) => name => variables.GetValueOrDefault(name);

    [Fact]
    public void Parameters_beat_the_hashtable_which_beats_the_file_which_beats_the_environment()
    {
        var environmentFile = File("env.properties", "bootstrap.servers=env-file:9092\nclient.id=from-env-file\nlinger.ms=1\nacks=1\ncompression.type=lz4\n");
        var configFile = File("client.properties", "bootstrap.servers=file:9092\nclient.id=from-file\nlinger.ms=2\n");

        var withFile = new KafkaConfigurationSources
        {
            ConfigFile = configFile,
            Properties = new[] { new KeyValuePair<string, string>("client.id", "from-hashtable") },
            Environment = Environment(new() { ["STREAMSEND_CONFIG_FILE"] = environmentFile, ["STREAMSEND_BOOTSTRAP_SERVERS"] = "env:9092" }),
        }.Resolve().Settings;

        Assert.Equal("file:9092", withFile.BootstrapServers);
        Assert.Equal("from-hashtable", withFile.Properties["client.id"]);
        Assert.Equal("2", withFile.Properties["linger.ms"]);
        // STREAMSEND_CONFIG_FILE names the file to use when -ConfigFile is not given; with -ConfigFile it is not read.
        Assert.False(withFile.Properties.ContainsKey("acks"));

        var fromEnvironment = new KafkaConfigurationSources
        {
            BootstrapServers = "explicit:9092",
            Environment = Environment(new() { ["STREAMSEND_CONFIG_FILE"] = environmentFile, ["STREAMSEND_BOOTSTRAP_SERVERS"] = "env:9092" }),
        }.Resolve().Settings;

        Assert.Equal("explicit:9092", fromEnvironment.BootstrapServers);
        Assert.Equal("lz4", fromEnvironment.Properties["compression.type"]);

        var environmentServers = new KafkaConfigurationSources
        {
            Environment = Environment(new() { ["STREAMSEND_CONFIG_FILE"] = environmentFile, ["STREAMSEND_BOOTSTRAP_SERVERS"] = "env:9092" }),
        }.Resolve().Settings;
        Assert.Equal("env:9092", environmentServers.BootstrapServers);
    }

    [Fact]
    public void A_credential_sets_sasl_username_and_password_over_the_file()
    {
        var configFile = File("client.properties", "bootstrap.servers=b:9092\nsasl.username=file-user\nsasl.password=file-password\n");

        var resolved = new KafkaConfigurationSources { ConfigFile = configFile, UserName = "svc", Password = "from-credential", Environment = _ => null }.Resolve();

        Assert.Equal("svc", resolved.Settings.Properties["sasl.username"]);
        Assert.Equal("from-credential", resolved.Settings.Properties["sasl.password"]);
        Assert.Contains(resolved.Notes, n => n.Contains("sasl.password = ********"));
        Assert.DoesNotContain(resolved.Notes, n => n.Contains("from-credential") || n.Contains("file-password"));
        Assert.Equal("x ******** y", resolved.Redactor.Redact("x from-credential y"));
    }

    [Fact]
    public void No_servers_anywhere_is_an_error_naming_every_way_to_give_them()
    {
        var error = Assert.Throws<StreamsendException>(() => new KafkaConfigurationSources { Environment = _ => null }.Resolve());

        Assert.Equal("BootstrapServersMissing", error.ErrorId);
        Assert.Contains("-ConfigFile", error.Message);
        Assert.Contains("STREAMSEND_BOOTSTRAP_SERVERS", error.Message);
    }

    [Fact]
    public void A_missing_config_file_is_an_error_naming_it()
    {
        var error = Assert.Throws<StreamsendException>(() => new KafkaConfigurationSources { ConfigFile = Path.Combine(folder, "nope.properties"), Environment = _ => null }.Resolve());

        Assert.Equal("ConfigFileNotFound", error.ErrorId);
        Assert.Contains("nope.properties", error.Message);
    }
}
