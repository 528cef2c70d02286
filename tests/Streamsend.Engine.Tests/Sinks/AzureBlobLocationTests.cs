using Streamsend.Engine.Sinks.AzureBlob;

namespace Streamsend.Engine.Tests.Sinks;

public sealed class AzureBlobLocationTests
{
    private static readonly AzureBlobConnectionOptions NoEnvironment = new() { Environment = _ => null };

    private static AzureBlobConnectionOptions WithEnvironment(params (string Name, string Value)[] variables) =>
        new() { Environment = name => variables.FirstOrDefault(v => v.Name == name).Value };

    [Fact]
    public void A_blob_service_url_names_the_account_in_its_host_and_the_container_and_prefix_in_its_path()
    {
        var location = AzureBlobLocation.Parse("https://landing.blob.core.windows.net/inbox/edge/2026/", NoEnvironment);

        Assert.Equal(new Uri("https://landing.blob.core.windows.net"), location.ServiceUri);
        Assert.Equal(("landing", "inbox", "edge/2026"), (location.AccountName, location.Container, location.Prefix));
        Assert.Equal("edge/2026/a/b.txt", location.NameOf("a/b.txt"));
        Assert.Equal("https://landing.blob.core.windows.net/inbox/edge/2026", location.ToString());
    }

    [Fact]
    public void The_emulators_path_style_url_names_the_account_in_its_first_segment()
    {
        var location = AzureBlobLocation.Parse("http://127.0.0.1:10000/devstoreaccount1/inbox/files", NoEnvironment);

        Assert.Equal(new Uri("http://127.0.0.1:10000/devstoreaccount1"), location.ServiceUri);
        Assert.Equal(("devstoreaccount1", "inbox", "files"), (location.AccountName, location.Container, location.Prefix));
    }

    [Fact]
    public void A_url_under_the_connection_strings_blob_endpoint_is_path_style_on_any_host()
    {
        var options = WithEnvironment((AzureBlobConnectionOptions.ConnectionStringVariable, $"AccountName=devstoreaccount1;AccountKey={AzureConnectionString.DevelopmentKey};BlobEndpoint=http://azurite:10000/devstoreaccount1"));

        var location = AzureBlobLocation.Parse("http://azurite:10000/devstoreaccount1/inbox/p", options);

        Assert.Equal(("devstoreaccount1", "inbox", "p"), (location.AccountName, location.Container, location.Prefix));
        Assert.Equal(new Uri("http://azurite:10000/devstoreaccount1"), location.ServiceUri);
    }

    [Fact]
    public void The_short_form_takes_its_account_from_the_parameter_the_connection_string_or_the_environment()
    {
        Assert.Equal(new Uri("https://named.blob.core.windows.net"), AzureBlobLocation.Parse("az://inbox/p", NoEnvironment with { AccountName = "named" }).ServiceUri);
        var fromConnectionString = AzureBlobLocation.Parse("az://inbox/p", WithEnvironment((AzureBlobConnectionOptions.ConnectionStringVariable, "UseDevelopmentStorage=true")));
        Assert.Equal((new Uri("http://127.0.0.1:10000/devstoreaccount1"), "devstoreaccount1"), (fromConnectionString.ServiceUri, fromConnectionString.AccountName));
        var fromVariable = AzureBlobLocation.Parse("az://inbox", WithEnvironment((AzureBlobConnectionOptions.AccountVariable, "fromenv")));
        Assert.Equal((new Uri("https://fromenv.blob.core.windows.net"), "inbox", ""), (fromVariable.ServiceUri, fromVariable.Container, fromVariable.Prefix));
        Assert.Equal("az://inbox", fromVariable.ToString());

        var none = Assert.Throws<StreamsendException>(() => AzureBlobLocation.Parse("az://inbox/p", NoEnvironment));
        Assert.Equal("InvalidAzureBlobUri", none.ErrorId);
        Assert.Contains("-StorageAccountName", none.Message);
    }

    [Fact]
    public void A_sas_token_in_the_url_is_kept_apart_and_never_shown()
    {
        var location = AzureBlobLocation.Parse("https://landing.blob.core.windows.net/inbox/p?sv=2022-11-02&sp=rw&sig=c2VjcmV0%2Bc2ln", NoEnvironment);

        Assert.Equal("sv=2022-11-02&sp=rw&sig=c2VjcmV0%2Bc2ln", location.UrlSas);
        Assert.Equal("https://landing.blob.core.windows.net/inbox/p", location.ToString());
        var bad = Assert.Throws<StreamsendException>(() => AzureBlobLocation.Parse("https://landing.blob.core.windows.net/In_Box?sig=c2VjcmV0%2Bc2ln", NoEnvironment));
        Assert.DoesNotContain("c2VjcmV0", bad.Message);
        Assert.DoesNotContain("c2VjcmV0", bad.Target?.ToString());
    }

    [Theory]
    [InlineData("https://landing.blob.core.windows.net/In_Box/p", "'In_Box' is not a container name")]
    [InlineData("https://landing.blob.core.windows.net/a--b/p", "'a--b' is not a container name")]
    [InlineData("https://landing.blob.core.windows.net/", "'' is not a container name")]
    [InlineData("az://inbox/a/../b", "'..' segment")]
    [InlineData("https://Landing_Zone.example.com/inbox", "is not a storage account name")]
    [InlineData("ftp://landing.blob.core.windows.net/inbox", "not an http or https URL")]
    public void Refuses_what_azure_would_refuse(string destination, string reason)
    {
        var refused = Assert.Throws<StreamsendException>(() => AzureBlobLocation.Parse(destination, NoEnvironment with { AccountName = "landing" }));
        Assert.Equal("InvalidAzureBlobUri", refused.ErrorId);
        Assert.Contains(reason, refused.Message);
    }

    [Theory]
    [InlineData("s3://bucket/p", false)]
    [InlineData("/srv/inbox", false)]
    [InlineData("az://inbox", true)]
    [InlineData("https://a.blob.core.windows.net/c", true)]
    [InlineData("http://127.0.0.1:10000/devstoreaccount1/c", true)]
    public void Tells_azure_destinations_from_others(string destination, bool azure) => Assert.Equal(azure, AzureBlobLocation.IsAzureDestination(destination));
}
