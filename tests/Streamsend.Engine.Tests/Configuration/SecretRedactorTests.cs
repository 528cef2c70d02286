using Streamsend.Engine.Configuration;
using Streamsend.Engine.Events;

namespace Streamsend.Engine.Tests.Configuration;

public class SecretRedactorTests
{
    [Theory]
    [InlineData("sasl.password", true)]
    [InlineData("ssl.key.password", true)]
    [InlineData("ssl.keystore.password", true)]
    [InlineData("sasl.oauthbearer.client.secret", true)]
    [InlineData("sasl.jaas.config", true)]
    [InlineData("ssl.key.pem", true)]
    [InlineData("my.custom.secret.thing", true)]
    [InlineData("sasl.username", false)]
    [InlineData("bootstrap.servers", false)]
    public void Knows_which_properties_are_secret(string key, bool secret) => Assert.Equal(secret, SecretRedactor.IsSecretKey(key));

    [Fact]
    public void Masks_secret_values_wherever_they_appear_longest_first()
    {
        var redactor = new SecretRedactor(new Dictionary<string, string>
        {
            ["sasl.password"] = "hunter2",
            ["ssl.key.password"] = "hunter2-and-more",
            ["sasl.username"] = "alice",
        });

        Assert.Equal("user alice pw ******** key ********", redactor.Redact("user alice pw hunter2 key hunter2-and-more"));
        Assert.True(redactor.ContainsSecret("...hunter2..."));
    }

    [Fact]
    public void Masks_events_and_failures_but_keeps_their_ids_and_targets()
    {
        var redactor = new SecretRedactor(new Dictionary<string, string> { ["sasl.password"] = "Pl4nted!" });

        var verbose = (DiagnosticEvent)redactor.Redact(new DiagnosticEvent(DiagnosticLevel.Debug, "sasl.password=Pl4nted!"));
        var failed = (TransferFailedEvent)redactor.Redact(new TransferFailedEvent(new StreamsendException("X", ErrorKind.SecurityError, "bad Pl4nted!", "/f", new Exception("inner Pl4nted!"))));

        Assert.Equal("sasl.password=********", verbose.Message);
        Assert.Equal("bad ********", failed.Error.Message);
        Assert.Equal("X", failed.Error.ErrorId);
        Assert.Equal("/f", failed.Error.Target);
        Assert.Null(failed.Error.InnerException);
    }
}
