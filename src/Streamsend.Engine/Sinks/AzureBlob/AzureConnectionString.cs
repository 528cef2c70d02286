namespace Streamsend.Engine.Sinks.AzureBlob;

/// <summary>
/// A storage connection string as the portal, the az CLI and Azurite hand it out:
/// <c>DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;EndpointSuffix=core.windows.net</c>, or one with a
/// <c>BlobEndpoint</c> and a <c>SharedAccessSignature</c>, or <c>UseDevelopmentStorage=true</c> (the emulator).
/// Errors never quote it: it holds a secret.
/// </summary>
internal sealed record AzureConnectionString(Uri BlobEndpoint, string AccountName, string? AccountKey, string? SharedAccessSignature)
{
    /// <summary>The emulator's well-known account (Azurite, the Storage Emulator): published by Microsoft, not a secret.</summary>
    public const string DevelopmentAccount = "devstoreaccount1";
    public const string DevelopmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <param name="origin">Where it came from, for errors: -ConnectionString, AZURE_STORAGE_CONNECTION_STRING.</param>
    public static AzureConnectionString Parse(string text, string origin)
    {
        var pairs = Pairs(text);
        string? Get(string key) => pairs.TryGetValue(key, out var value) && value.Length > 0 ? value : null;
        if (string.Equals(Get("UseDevelopmentStorage"), "true", StringComparison.OrdinalIgnoreCase))
        {
            var proxy = Get("DevelopmentStorageProxyUri")?.TrimEnd('/') ?? "http://127.0.0.1";
            return new AzureConnectionString(new Uri($"{proxy}:10000/{DevelopmentAccount}"), DevelopmentAccount, DevelopmentKey, null);
        }
        var account = Get("AccountName");
        Uri? endpoint = null;
        if (Get("BlobEndpoint") is { } blobEndpoint)
        {
            if (!Uri.TryCreate(blobEndpoint.TrimEnd('/'), UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https"))
            {
                throw Invalid(origin, "its BlobEndpoint is not an http or https URL");
            }
            account ??= AzureBlobLocation.AccountOf(endpoint);
        }
        else if (account is not null)
        {
            endpoint = new Uri($"{Get("DefaultEndpointsProtocol") ?? "https"}://{account}.blob.{Get("EndpointSuffix") ?? "core.windows.net"}");
        }
        if (endpoint is null || account is null)
        {
            throw Invalid(origin, "it names neither an AccountName nor a BlobEndpoint");
        }
        var key = Get("AccountKey");
        var sas = Get("SharedAccessSignature");
        if (key is null && sas is null)
        {
            throw Invalid(origin, "it holds neither an AccountKey nor a SharedAccessSignature");
        }
        return new AzureConnectionString(endpoint, account, key, sas);
    }

    /// <summary>The <c>name=value</c> pairs, names case-insensitive; a value may hold '=' (keys end in '==').</summary>
    public static Dictionary<string, string> Pairs(string text)
    {
        var pairs = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in text.Split(';'))
        {
            var equals = part.IndexOf('=');
            if (equals > 0)
            {
                pairs[part[..equals].Trim()] = part[(equals + 1)..].Trim();
            }
        }
        return pairs;
    }

    private static StreamsendException Invalid(string origin, string reason) =>
        new("InvalidAzureConnectionString", ErrorKind.InvalidArgument, $"The storage connection string in {origin} cannot be used: {reason}. Copy it again from the portal (Access keys) or 'az storage account show-connection-string'.", origin);
}
