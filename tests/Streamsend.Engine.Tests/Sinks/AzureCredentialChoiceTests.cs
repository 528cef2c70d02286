using Azure.Storage.Blobs;
using Streamsend.Engine.Sinks.AzureBlob;

namespace Streamsend.Engine.Tests.Sinks;

public sealed class AzureCredentialChoiceTests
{
    private const string Url = "https://landing.blob.core.windows.net/inbox/p";
    private const string Key = "a2V5LW9mLWxhbmRpbmc=";
    private const string Sas = "sv=2022-11-02&ss=b&srt=co&sp=rwl&se=2030-01-01&sig=U2lnbmF0dXJl%2Bc2VjcmV0";

    private static AzureBlobConnectionOptions Options(params (string Name, string Value)[] variables) =>
        new() { Environment = name => variables.FirstOrDefault(v => v.Name == name).Value };

    private static AzureCredentialSource SourceFor(string destination, AzureBlobConnectionOptions options) =>
        AzureCredentialChoice.For(AzureBlobLocation.Parse(destination, options), options).Source;

    [Fact]
    public void What_the_command_names_comes_first()
    {
        Assert.Equal(AzureCredentialSource.UrlSasToken, SourceFor($"{Url}?{Sas}", Options((AzureBlobConnectionOptions.KeyVariable, Key))));
        Assert.Equal(AzureCredentialSource.SasTokenParameter, SourceFor(Url, Options((AzureBlobConnectionOptions.KeyVariable, Key)) with { SasToken = "?" + Sas }));
        Assert.Equal(AzureCredentialSource.AccountKeyParameter, SourceFor(Url, Options((AzureBlobConnectionOptions.SasTokenVariable, Sas)) with { AccountKey = Key }));
        Assert.Equal(AzureCredentialSource.ConnectionStringParameter, SourceFor(Url, Options() with { ConnectionString = $"AccountName=landing;AccountKey={Key}" }));
    }

    [Fact]
    public void Two_named_credentials_are_refused_rather_than_one_guessed()
    {
        var conflict = Assert.Throws<StreamsendException>(() => SourceFor($"{Url}?{Sas}", Options() with { AccountKey = Key }));
        Assert.Equal("AzureCredentialConflict", conflict.ErrorId);
        Assert.Contains("the SAS token in the destination URL and -StorageAccountKey", conflict.Message);
        Assert.DoesNotContain(Key, conflict.Message);
        var otherAccount = Assert.Throws<StreamsendException>(() => SourceFor(Url, Options() with { ConnectionString = $"AccountName=other;AccountKey={Key}" }));
        Assert.Contains("for account 'other'", otherAccount.Message);
    }

    [Fact]
    public void The_environment_comes_next_in_the_az_cli_order_and_only_for_its_own_account()
    {
        var connectionString = (AzureBlobConnectionOptions.ConnectionStringVariable, $"AccountName=landing;AccountKey={Key}");
        var sas = (AzureBlobConnectionOptions.SasTokenVariable, Sas);
        var key = (AzureBlobConnectionOptions.KeyVariable, Key);

        Assert.Equal(AzureCredentialSource.ConnectionStringVariable, SourceFor(Url, Options(connectionString, sas, key)));
        Assert.Equal(AzureCredentialSource.SasTokenVariable, SourceFor(Url, Options(sas, key)));
        Assert.Equal(AzureCredentialSource.AccountKeyVariable, SourceFor(Url, Options(key, (AzureBlobConnectionOptions.AccountVariable, "landing"))));
        // Another account's secrets are never sent to this one.
        Assert.Equal(AzureCredentialSource.DefaultAzureCredential, SourceFor(Url, Options((AzureBlobConnectionOptions.ConnectionStringVariable, $"AccountName=other;AccountKey={Key}"))));
        Assert.Equal(AzureCredentialSource.DefaultAzureCredential, SourceFor(Url, Options(sas, key, (AzureBlobConnectionOptions.AccountVariable, "other"))));
    }

    [Fact]
    public void Without_any_key_or_token_DefaultAzureCredential_signs_as_managed_identity_or_a_sign_in_would()
    {
        var options = Options();
        var choice = AzureCredentialChoice.For(AzureBlobLocation.Parse(Url, options), options);

        Assert.Equal(AzureCredentialSource.DefaultAzureCredential, choice.Source);
        Assert.Contains("managed identity", choice.Description);
        Assert.Equal("landing", choice.CreateClient(new Uri("https://landing.blob.core.windows.net"), new BlobClientOptions()).AccountName);
    }

    [Fact]
    public void A_key_that_is_not_base64_is_refused_without_showing_it()
    {
        var options = Options() with { AccountKey = "not a key!" };
        var choice = AzureCredentialChoice.For(AzureBlobLocation.Parse(Url, options), options);

        var refused = Assert.Throws<StreamsendException>(() => choice.CreateClient(new Uri("https://landing.blob.core.windows.net"), new BlobClientOptions()));
        Assert.Equal("InvalidAzureCredential", refused.ErrorId);
        Assert.DoesNotContain("not a key!", refused.Message);
    }

    [Fact]
    public void A_connection_string_without_a_key_or_token_is_refused_without_quoting_it()
    {
        var refused = Assert.Throws<StreamsendException>(() => SourceFor(Url, Options() with { ConnectionString = "AccountName=landing;EndpointSuffix=core.windows.net;Password=hunter2" }));
        Assert.Equal("InvalidAzureConnectionString", refused.ErrorId);
        Assert.DoesNotContain("hunter2", refused.Message);
    }

    [Fact]
    public void The_secrets_to_mask_are_every_key_token_signature_and_connection_string_around()
    {
        var options = Options((AzureBlobConnectionOptions.ConnectionStringVariable, $"AccountName=landing;AccountKey=Y29ubmVjdGlvbi1rZXk=;BlobEndpoint=https://landing.blob.core.windows.net")) with { AccountKey = Key };

        var secrets = options.Secrets($"{Url}?{Sas}");

        Assert.Contains(Sas, secrets);
        Assert.Contains("U2lnbmF0dXJl%2Bc2VjcmV0", secrets);
        Assert.Contains("U2lnbmF0dXJl+c2VjcmV0", secrets);
        Assert.Contains(Key, secrets);
        Assert.Contains("Y29ubmVjdGlvbi1rZXk=", secrets);
        Assert.Contains(secrets, s => s.StartsWith("AccountName=landing;AccountKey=", StringComparison.Ordinal));
        Assert.DoesNotContain("landing", secrets);
    }
}
