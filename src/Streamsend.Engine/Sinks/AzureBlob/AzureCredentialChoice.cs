using Azure;
using Azure.Core;
using Azure.Identity;
using Azure.Storage;
using Azure.Storage.Blobs;

namespace Streamsend.Engine.Sinks.AzureBlob;

/// <summary>Where the credential in use came from.</summary>
public enum AzureCredentialSource
{
    UrlSasToken,
    SasTokenParameter,
    AccountKeyParameter,
    ConnectionStringParameter,
    ConnectionStringVariable,
    SasTokenVariable,
    AccountKeyVariable,
    DefaultAzureCredential,
}

/// <summary>
/// Which credential signs the requests, in this order:
/// <list type="number">
/// <item>what the command names: a SAS token in the destination URL, -SasToken, -StorageAccountKey or
/// -ConnectionString; at most one of them, since two would leave it unclear which is meant;</item>
/// <item>else the environment, as the az CLI reads it: AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_SAS_TOKEN,
/// AZURE_STORAGE_KEY; each only for the account it belongs to (the connection string's own, AZURE_STORAGE_ACCOUNT when
/// that is set), so a key of one account is never sent to another;</item>
/// <item>else Azure.Identity's DefaultAzureCredential: environment service principal, workload identity, managed identity
/// (Azure VMs, Azure Automation, Functions; AZURE_CLIENT_ID picks a user-assigned one), then the Azure CLI's, Azure
/// PowerShell's and azd's sign-in.</item>
/// </list>
/// </summary>
public sealed class AzureCredentialChoice
{
    private readonly Func<Uri, BlobClientOptions, BlobServiceClient> create;

    private AzureCredentialChoice(AzureCredentialSource source, string description, Func<Uri, BlobClientOptions, BlobServiceClient> create)
    {
        Source = source;
        Description = description;
        this.create = create;
    }

    public AzureCredentialSource Source { get; }

    /// <summary>For messages: which credential was used, never its value.</summary>
    public string Description { get; }

    public static AzureCredentialChoice For(AzureBlobLocation location, AzureBlobConnectionOptions options)
    {
        var account = location.AccountName;
        var named = new List<AzureCredentialChoice>();
        if (location.UrlSas is { } urlSas)
        {
            named.Add(Sas(AzureCredentialSource.UrlSasToken, "the SAS token in the destination URL", urlSas));
        }
        if (options.SasToken is { } sasToken)
        {
            named.Add(Sas(AzureCredentialSource.SasTokenParameter, "-SasToken", sasToken));
        }
        if (options.AccountKey is { } accountKey)
        {
            named.Add(Key(AzureCredentialSource.AccountKeyParameter, $"-StorageAccountKey for account '{account}'", account, accountKey));
        }
        if (options.ConnectionString is not null)
        {
            var connection = options.EffectiveConnectionString(out _)!;
            if (!string.Equals(connection.AccountName, account, StringComparison.OrdinalIgnoreCase))
            {
                throw Conflict($"-ConnectionString is for account '{connection.AccountName}', but the destination is in account '{account}'");
            }
            named.Add(FromConnectionString(AzureCredentialSource.ConnectionStringParameter, "-ConnectionString", connection));
        }
        if (named.Count > 1)
        {
            throw Conflict($"{string.Join(" and ", named.Select(n => n.Description))} were both given; give one");
        }
        if (named.Count == 1)
        {
            return named[0];
        }
        if (options.EffectiveConnectionString(out _) is { } fromEnvironment && string.Equals(fromEnvironment.AccountName, account, StringComparison.OrdinalIgnoreCase))
        {
            return FromConnectionString(AzureCredentialSource.ConnectionStringVariable, AzureBlobConnectionOptions.ConnectionStringVariable, fromEnvironment);
        }
        var accountVariable = options.Variable(AzureBlobConnectionOptions.AccountVariable);
        var forThisAccount = accountVariable is null || string.Equals(accountVariable, account, StringComparison.OrdinalIgnoreCase);
        if (forThisAccount && options.Variable(AzureBlobConnectionOptions.SasTokenVariable) is { } sasVariable)
        {
            return Sas(AzureCredentialSource.SasTokenVariable, AzureBlobConnectionOptions.SasTokenVariable, sasVariable);
        }
        if (forThisAccount && options.Variable(AzureBlobConnectionOptions.KeyVariable) is { } keyVariable)
        {
            return Key(AzureCredentialSource.AccountKeyVariable, $"{AzureBlobConnectionOptions.KeyVariable} for account '{account}'", account, keyVariable);
        }
        return new AzureCredentialChoice(
            AzureCredentialSource.DefaultAzureCredential,
            "DefaultAzureCredential (environment, workload identity, managed identity, Azure CLI, Azure PowerShell)",
            (service, clientOptions) => new BlobServiceClient(service, new DefaultAzureCredential(), clientOptions));
    }

    /// <summary>The blob service client for <paramref name="service"/>, signed with this credential.</summary>
    public BlobServiceClient CreateClient(Uri service, BlobClientOptions clientOptions) => create(service, clientOptions);

    private static AzureCredentialChoice FromConnectionString(AzureCredentialSource source, string origin, AzureConnectionString connection) =>
        connection.AccountKey is { } key
            ? Key(source, $"the account key in {origin}", connection.AccountName, key)
            : Sas(source, $"the SAS token in {origin}", connection.SharedAccessSignature!);

    private static AzureCredentialChoice Sas(AzureCredentialSource source, string description, string token) =>
        new(source, description, (service, clientOptions) => new BlobServiceClient(service, new AzureSasCredential(token.TrimStart('?')), clientOptions));

    private static AzureCredentialChoice Key(AzureCredentialSource source, string description, string account, string key) =>
        new(source, description, (service, clientOptions) => new BlobServiceClient(service, SharedKey(account, key, description), clientOptions));

    private static StorageSharedKeyCredential SharedKey(string account, string key, string description)
    {
        try
        {
            return new StorageSharedKeyCredential(account, key);
        }
        catch (FormatException)
        {
            throw new StreamsendException("InvalidAzureCredential", ErrorKind.InvalidArgument, $"The account key in {description} is not base64, as storage account keys are. Copy it again from the portal (Access keys) or 'az storage account keys list'.", description);
        }
    }

    private static StreamsendException Conflict(string reason) =>
        new("AzureCredentialConflict", ErrorKind.InvalidArgument, $"Cannot tell which Azure credential to use: {reason}. Without any, the environment decides (AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_SAS_TOKEN, AZURE_STORAGE_KEY), then DefaultAzureCredential.");
}
