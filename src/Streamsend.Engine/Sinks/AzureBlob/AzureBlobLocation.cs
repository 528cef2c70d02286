using System.Net;

namespace Streamsend.Engine.Sinks.AzureBlob;

/// <summary>
/// A container and blob-name prefix in a storage account, written the ways Azure users write them:
/// <list type="bullet">
/// <item><c>https://ACCOUNT.blob.core.windows.net/container/prefix</c>, the blob service URL (any cloud's suffix, a
/// private endpoint or a custom domain: the account is the host's first label);</item>
/// <item><c>http://127.0.0.1:10000/devstoreaccount1/container/prefix</c>, the emulator's path-style URL, used when the
/// host is an IP address or <c>localhost</c>, or when the URL starts with the connection string's <c>BlobEndpoint</c>;</item>
/// <item><c>az://container/prefix</c>, the short form fsspec, DuckDB and Polars read, with the account from
/// -StorageAccountName, the connection string or AZURE_STORAGE_ACCOUNT.</item>
/// </list>
/// A URL may end in a SAS token (<c>?sv=...&amp;sig=...</c>), as azcopy takes it; it is kept apart and never shown.
/// </summary>
public sealed record AzureBlobLocation(Uri ServiceUri, string AccountName, string Container, string Prefix, string Written)
{
    public const string ShortScheme = "az://";

    /// <summary>The SAS token the destination URL carried, without its '?'; null when it carried none. A secret.</summary>
    internal string? UrlSas { get; init; }

    /// <summary>Whether the destination names Azure Blob Storage (az://, http:// or https://).</summary>
    public static bool IsAzureDestination(string destination) =>
        destination.StartsWith(ShortScheme, StringComparison.OrdinalIgnoreCase)
        || destination.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
        || destination.StartsWith("http://", StringComparison.OrdinalIgnoreCase);

    public static AzureBlobLocation Parse(string destination, AzureBlobConnectionOptions options)
    {
        var query = destination.IndexOf('?');
        var written = query < 0 ? destination : destination[..query];
        var sas = query < 0 || query == destination.Length - 1 ? null : destination[(query + 1)..];
        Uri service;
        string account;
        IEnumerable<string> path;
        if (written.StartsWith(ShortScheme, StringComparison.OrdinalIgnoreCase))
        {
            (service, account) = AccountForShortForm(written, options);
            path = written[ShortScheme.Length..].Split('/');
        }
        else
        {
            if (!Uri.TryCreate(written, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Fragment.Length > 0)
            {
                throw Invalid(written, "it is not an http or https URL");
            }
            var segments = uri.AbsolutePath.Split('/').Skip(1).Select(Uri.UnescapeDataString).ToList();
            if (ConnectionStringOver(uri, options) is { } connection)
            {
                service = connection.BlobEndpoint;
                account = connection.AccountName;
                path = segments.Skip(service.AbsolutePath.Trim('/').Split('/').Count(s => s.Length > 0));
            }
            else if (IsPathStyle(uri))
            {
                account = segments.FirstOrDefault() ?? "";
                service = new Uri($"{uri.Scheme}://{uri.Authority}/{account}");
                path = segments.Skip(1);
            }
            else
            {
                account = AccountOf(uri);
                service = new Uri($"{uri.Scheme}://{uri.Authority}");
                path = segments;
            }
        }
        var parts = path.ToList();
        var container = parts.FirstOrDefault() ?? "";
        var prefix = string.Join("/", parts.Skip(1)).Trim('/');
        if (account.Length is < 3 or > 24 || !account.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)))
        {
            throw Invalid(written, $"'{account}' is not a storage account name (3 to 24 lower-case letters and digits)");
        }
        if (!IsContainerName(container))
        {
            throw Invalid(written, $"'{container}' is not a container name (3 to 63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit)");
        }
        if (prefix.Length > 0 && prefix.Split('/').Any(segment => segment is "" or "." or ".."))
        {
            throw Invalid(written, "its prefix has an empty, '.' or '..' segment");
        }
        return new AzureBlobLocation(service, account, container, prefix, written.TrimEnd('/')) { UrlSas = sas };
    }

    /// <summary>The account a blob endpoint names: the first path segment of a path-style endpoint, else the host's first label.</summary>
    internal static string AccountOf(Uri endpoint) =>
        IsPathStyle(endpoint) ? endpoint.AbsolutePath.Trim('/').Split('/')[0] : endpoint.Host.Split('.')[0];

    /// <summary>The blob name of <paramref name="relativePath"/> under the prefix.</summary>
    public string NameOf(string relativePath) => Prefix.Length == 0 ? relativePath : $"{Prefix}/{relativePath}";

    /// <summary>The destination as written, without the SAS token it may have carried.</summary>
    public override string ToString() => Written;

    private static bool IsPathStyle(Uri uri) =>
        uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 || string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase);

    /// <summary>The connection string in effect when <paramref name="uri"/> lies under its BlobEndpoint (the emulator on a host name, a proxy).</summary>
    private static AzureConnectionString? ConnectionStringOver(Uri uri, AzureBlobConnectionOptions options)
    {
        if (options.EffectiveConnectionString(out _) is not { } connection)
        {
            return null;
        }
        var endpoint = connection.BlobEndpoint;
        var under = string.Equals(endpoint.Scheme, uri.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(endpoint.Authority, uri.Authority, StringComparison.OrdinalIgnoreCase)
            && (uri.AbsolutePath + "/").StartsWith(endpoint.AbsolutePath.TrimEnd('/') + "/", StringComparison.Ordinal);
        return under ? connection : null;
    }

    private static (Uri Service, string Account) AccountForShortForm(string written, AzureBlobConnectionOptions options)
    {
        var connection = options.EffectiveConnectionString(out _);
        var account = options.AccountName ?? connection?.AccountName ?? options.Variable(AzureBlobConnectionOptions.AccountVariable);
        if (account is null)
        {
            throw Invalid(written, $"az:// names no storage account: give -StorageAccountName, a connection string (-ConnectionString, {AzureBlobConnectionOptions.ConnectionStringVariable}) or {AzureBlobConnectionOptions.AccountVariable}");
        }
        if (connection is not null && string.Equals(connection.AccountName, account, StringComparison.OrdinalIgnoreCase))
        {
            return (connection.BlobEndpoint, account);
        }
        return (new Uri($"https://{account}.blob.core.windows.net"), account);
    }

    private static bool IsContainerName(string name) =>
        name.Length is >= 3 and <= 63
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
        && name[0] != '-' && name[^1] != '-' && !name.Contains("--", StringComparison.Ordinal);

    private static StreamsendException Invalid(string written, string reason) =>
        new("InvalidAzureBlobUri", ErrorKind.InvalidArgument, $"'{written}' is not an Azure Blob Storage destination: {reason}. Write https://ACCOUNT.blob.core.windows.net/container/prefix, az://container/prefix, or the emulator's http://127.0.0.1:10000/devstoreaccount1/container/prefix.", written);
}
