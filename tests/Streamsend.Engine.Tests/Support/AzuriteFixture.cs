using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Streamsend.Engine.Sinks.AzureBlob;

namespace Streamsend.Engine.Tests.Support;

/// <summary>
/// Azurite's blob service on loopback (npm, tools/azurite), over an empty temporary folder, with an account whose key is
/// new each run. Each test takes a container of its own (<see cref="NewContainerAsync"/>). The sink is given the
/// account's connection string as AZURE_STORAGE_CONNECTION_STRING through <see cref="Options"/>, not the process
/// environment, so tests can run side by side.
/// </summary>
public sealed class AzuriteFixture : IDisposable
{
    public const string Account = "streamsendtest";
    private readonly NodeServer? server;
    private readonly string? directory;

    public AzuriteFixture()
    {
        Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        Unavailable = RequiredTool.MissingReason("node", "Node.js 18 or later with npm");
        if (Unavailable is not null)
        {
            Endpoint = new Uri($"http://127.0.0.1:1/{Account}");
            Service = new BlobServiceClient(Endpoint, new StorageSharedKeyCredential(Account, Key));
            return;
        }
        directory = Directory.CreateTempSubdirectory("azurite-").FullName;
        server = NodeServer.Start("azurite", "azurite", "node_modules/azurite/dist/src/blob/main.js",
            new[] { "--blobHost", "127.0.0.1", "--blobPort", "0", "--location", directory, "--skipApiVersionCheck", "--loose", "--disableTelemetry" },
            new Regex("successfully listens on (http://\\S+)$"), process => process.Kill(entireProcessTree: true),
            new Dictionary<string, string> { ["AZURITE_ACCOUNTS"] = $"{Account}:{Key}" });
        Endpoint = new Uri($"{server.Address}/{Account}");
        Service = new BlobServiceClient(Endpoint, new StorageSharedKeyCredential(Account, Key));
    }

    /// <summary>Why the Azure tests are skipped here (no Node.js), or null when Azurite runs.</summary>
    public string? Unavailable { get; }

    /// <summary>The blob service, path-style with the account: http://127.0.0.1:port/streamsendtest.</summary>
    public Uri Endpoint { get; }

    public string Key { get; }

    public string ConnectionString => $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={Key};BlobEndpoint={Endpoint};";

    /// <summary>A client of its own, to read back what the sink wrote.</summary>
    public BlobServiceClient Service { get; }

    /// <summary>Options whose environment holds only this account's connection string.</summary>
    public AzureBlobConnectionOptions Options => new()
    {
        Environment = name => name == AzureBlobConnectionOptions.ConnectionStringVariable ? ConnectionString : null,
    };

    public async Task<string> NewContainerAsync()
    {
        var name = $"c{Guid.NewGuid():N}";
        await Service.GetBlobContainerClient(name).CreateAsync();
        return name;
    }

    /// <summary>The blob names under a prefix; with <paramref name="uncommitted"/>, blobs that have only uncommitted blocks too.</summary>
    public async Task<List<string>> NamesAsync(string container, string prefix = "", bool uncommitted = false)
    {
        var names = new List<string>();
        await foreach (var blob in Service.GetBlobContainerClient(container).GetBlobsAsync(BlobTraits.None, uncommitted ? BlobStates.Uncommitted : BlobStates.None, prefix, CancellationToken.None))
        {
            names.Add(blob.Name);
        }
        return names.OrderBy(n => n, StringComparer.Ordinal).ToList();
    }

    public async Task<string> Md5OfBlobAsync(string container, string name)
    {
        using var response = await Service.GetBlobContainerClient(container).GetBlobClient(name).OpenReadAsync();
        using var md5 = MD5.Create();
        return Convert.ToHexString(await md5.ComputeHashAsync(response)).ToLowerInvariant();
    }

    public void Dispose()
    {
        server?.Dispose();
        if (directory is not null)
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
