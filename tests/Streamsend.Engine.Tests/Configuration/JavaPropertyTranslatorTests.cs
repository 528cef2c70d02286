using Streamsend.Engine.Configuration;

namespace Streamsend.Engine.Tests.Configuration;

public class JavaPropertyTranslatorTests
{
    private static Dictionary<string, string> Translate(string text, List<string>? notes = null) =>
        JavaPropertyTranslator.Translate(PropertiesFileReader.Parse(text), "client.properties", notes ?? new List<string>());

    [Fact]
    public void Confluent_Cloud_java_snippet_becomes_librdkafka_settings()
    {
        var notes = new List<string>();
        var settings = Translate("""
            # Required connection configs for Kafka producer, consumer, and admin
            bootstrap.servers=pkc-abc12.westeurope.azure.confluent.cloud:9092
            security.protocol=SASL_SSL
            sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username='KEY123' password='s3cr3t/with+chars';
            sasl.mechanism=PLAIN
            # Required for correctness in Apache Kafka clients prior to 2.6
            client.dns.lookup=use_all_dns_ips
            session.timeout.ms=45000
            acks=all
            key.serializer=org.apache.kafka.common.serialization.StringSerializer
            """, notes);

        Assert.Equal("KEY123", settings["sasl.username"]);
        Assert.Equal("s3cr3t/with+chars", settings["sasl.password"]);
        Assert.Equal("PLAIN", settings["sasl.mechanisms"]);
        Assert.Equal("SASL_SSL", settings["security.protocol"]);
        Assert.False(settings.ContainsKey("sasl.jaas.config"));
        Assert.False(settings.ContainsKey("key.serializer"));
        Assert.Contains(notes, n => n.Contains("'key.serializer'") && n.Contains("ignored"));
        Assert.Contains(notes, n => n.Contains("sasl.mechanisms"));
        Assert.DoesNotContain(notes, n => n.Contains("s3cr3t"));
    }

    [Fact]
    public void Scram_login_module_with_double_quotes_gives_user_and_password()
    {
        var settings = Translate("sasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"alice\" password=\"p\\\\\\\"w\";\n");

        Assert.Equal("alice", settings["sasl.username"]);
        Assert.Equal("p\"w", settings["sasl.password"]);
        Assert.Equal("SCRAM-SHA-512", settings["sasl.mechanisms"]);
    }

    [Fact]
    public void OAuthBearer_login_module_becomes_librdkafka_oidc()
    {
        var settings = Translate("sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId='cid' clientSecret='csecret' scope='kafka' extension_logicalCluster='lkc-1' extension_identityPoolId='pool-2';\nsasl.login.callback.handler.class=org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerLoginCallbackHandler\n");

        Assert.Equal("oidc", settings["sasl.oauthbearer.method"]);
        Assert.Equal("cid", settings["sasl.oauthbearer.client.id"]);
        Assert.Equal("csecret", settings["sasl.oauthbearer.client.secret"]);
        Assert.Equal("kafka", settings["sasl.oauthbearer.scope"]);
        Assert.Equal("logicalCluster=lkc-1,identityPoolId=pool-2", settings["sasl.oauthbearer.extensions"]);
        Assert.False(settings.ContainsKey("sasl.login.callback.handler.class"));
    }

    [Fact]
    public void Msk_iam_login_module_is_a_clear_error()
    {
        var error = Assert.Throws<StreamsendException>(() => Translate("sasl.jaas.config=software.amazon.msk.auth.iam.IAMLoginModule required;\n"));

        Assert.Equal("UnsupportedSaslMechanism", error.ErrorId);
        Assert.Contains("SCRAM", error.Message);
    }

    [Fact]
    public void A_misspelled_property_is_an_error_naming_it_and_the_closest_valid_one()
    {
        var error = Assert.Throws<StreamsendException>(() => Translate("acks=all\nsasl.pasword=x\n"));

        Assert.Equal("UnknownKafkaProperty", error.ErrorId);
        Assert.Contains("'sasl.pasword'", error.Message);
        Assert.Contains("Did you mean 'sasl.password'?", error.Message);
        Assert.Contains("line 2", error.Message);
    }

    [Theory]
    [InlineData("bootstrap.server", "bootstrap.servers")]
    [InlineData("secuirty.protocol", "security.protocol")]
    [InlineData("ssl.ca.locaton", "ssl.ca.location")]
    [InlineData("fetch.wait.max.ms", null)]
    public void Closest_known_property(string typo, string? expected)
    {
        if (expected is null)
        {
            Assert.True(KafkaPropertyCatalog.IsKnown(typo));
            return;
        }
        Assert.False(KafkaPropertyCatalog.IsKnown(typo));
        Assert.Equal(expected, KafkaPropertyCatalog.ClosestTo(typo));
    }

    [Fact]
    public void Something_far_from_every_property_gets_no_suggestion()
    {
        var error = Assert.Throws<StreamsendException>(() => Translate("favourite.colour.of.the.operator=blue\n"));

        Assert.DoesNotContain("Did you mean", error.Message);
    }
}
