namespace Streamsend.Engine.Sinks.AzureBlob;

/// <summary>
/// How to reach and sign in to the storage account, as Receive-StreamFile's parameters give it. Every value is optional:
/// without them the environment decides as the az CLI reads it (<c>AZURE_STORAGE_CONNECTION_STRING</c>,
/// <c>AZURE_STORAGE_SAS_TOKEN</c>, <c>AZURE_STORAGE_KEY</c> with <c>AZURE_STORAGE_ACCOUNT</c>), then Azure.Identity's
/// DefaultAzureCredential (managed identity, workload identity, the Azure CLI's or Azure PowerShell's sign-in).
/// <see cref="AzureCredentialChoice"/> has the precedence.
/// </summary>
public sealed record AzureBlobConnectionOptions
{
    /// <summary>The storage account, for <c>az://container/prefix</c>. Null: the connection string's, else AZURE_STORAGE_ACCOUNT.</summary>
    public string? AccountName { get; init; }

    /// <summary>A shared key of the account (-StorageAccountKey).</summary>
    public string? AccountKey { get; init; }

    /// <summary>A SAS token, with or without its leading '?' (-SasToken).</summary>
    public string? SasToken { get; init; }

    /// <summary>A storage connection string (-ConnectionString).</summary>
    public string? ConnectionString { get; init; }

    /// <summary>Where environment variables are read; the process environment unless a test gives its own.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Block uploads in flight at once for the whole receiver; each holds one chunk in memory.</summary>
    public int MaxConcurrentUploads { get; init; } = 8;

    /// <summary>
    /// Received bytes the sink may hold in memory at once (blocks being uploaded, chunks that arrived ahead of a gap and
    /// wait to be hashed). A file whose out-of-order window needs more fails, and is received again by the next run.
    /// </summary>
    public long MemoryLimitBytes { get; init; } = 1L << 30;

    public const string ConnectionStringVariable = "AZURE_STORAGE_CONNECTION_STRING";
    public const string AccountVariable = "AZURE_STORAGE_ACCOUNT";
    public const string KeyVariable = "AZURE_STORAGE_KEY";
    public const string SasTokenVariable = "AZURE_STORAGE_SAS_TOKEN";

    /// <summary>The connection string in effect: -ConnectionString, else AZURE_STORAGE_CONNECTION_STRING, parsed; null when neither is set.</summary>
    internal AzureConnectionString? EffectiveConnectionString(out string origin)
    {
        origin = ConnectionString is not null ? "-ConnectionString" : ConnectionStringVariable;
        var text = ConnectionString ?? NonEmpty(Environment(ConnectionStringVariable));
        return text is null ? null : AzureConnectionString.Parse(text, origin);
    }

    internal string? Variable(string name) => NonEmpty(Environment(name));

    /// <summary>
    /// Every secret that the destination, these options and the environment hold, whichever is used, so a host can mask
    /// them wherever they could turn up: keys, SAS tokens and their signatures (as written, decoded and encoded),
    /// connection strings and the secrets inside them.
    /// </summary>
    public IReadOnlyList<string> Secrets(string destination)
    {
        var secrets = new List<string>();
        var query = destination.IndexOf('?');
        if (query >= 0)
        {
            AddSas(secrets, destination[(query + 1)..]);
        }
        AddSas(secrets, SasToken);
        AddSas(secrets, Variable(SasTokenVariable));
        AddKey(secrets, AccountKey);
        AddKey(secrets, Variable(KeyVariable));
        foreach (var text in new[] { ConnectionString, Variable(ConnectionStringVariable) })
        {
            if (text is null)
            {
                continue;
            }
            secrets.Add(text);
            var parts = AzureConnectionString.Pairs(text);
            AddKey(secrets, parts.TryGetValue("AccountKey", out var key) ? key : null);
            AddSas(secrets, parts.TryGetValue("SharedAccessSignature", out var sas) ? sas : null);
        }
        return secrets.Distinct(StringComparer.Ordinal).ToList();
    }

    private static void AddKey(List<string> secrets, string? key)
    {
        if (key is not null)
        {
            secrets.Add(key);
            secrets.Add(Uri.EscapeDataString(key));
        }
    }

    private static void AddSas(List<string> secrets, string? sas)
    {
        if (sas is null)
        {
            return;
        }
        sas = sas.TrimStart('?');
        secrets.Add(sas);
        foreach (var pair in sas.Split('&'))
        {
            if (pair.StartsWith("sig=", StringComparison.OrdinalIgnoreCase))
            {
                var signature = pair["sig=".Length..];
                var decoded = Uri.UnescapeDataString(signature);
                secrets.AddRange(new[] { signature, decoded, Uri.EscapeDataString(decoded) });
            }
        }
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
