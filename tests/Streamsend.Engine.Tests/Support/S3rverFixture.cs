using System.Text.RegularExpressions;
using Amazon.S3;
using Amazon.S3.Model;
using Streamsend.Engine.Sinks.S3;

namespace Streamsend.Engine.Tests.Support;

/// <summary>
/// A real S3-protocol server on loopback: s3rver from npm, run by tools/s3rver/server.js (which adds the multipart
/// listing and abort calls s3rver lacks), on a free port over an empty temporary directory, with one bucket.
/// Installs s3rver with 'npm ci' the first time. Credentials are s3rver's built-in S3RVER/S3RVER.
/// </summary>
public sealed class S3rverFixture : IDisposable
{
    public const string Bucket = "inbox";
    private readonly NodeServer? server;
    private readonly string? directory;

    public S3rverFixture()
    {
        Unavailable = RequiredTool.MissingReason("node", "Node.js 18 or later with npm");
        if (Unavailable is not null)
        {
            Endpoint = new Uri("http://127.0.0.1:1/");
            Client = new AmazonS3Client(new AmazonS3Config { ServiceURL = Endpoint.ToString() });
            return;
        }
        directory = Directory.CreateTempSubdirectory("s3rver-").FullName;
        // Closing its stdin is how server.js is told to stop, on every platform.
        server = NodeServer.Start("s3rver", "s3rver", "server.js", new[] { "--port", "0", "--directory", directory, "--bucket", Bucket },
            new Regex("^listening (http://\\S+)$"), process => process.StandardInput.Close());
        Endpoint = new Uri(server.Address);
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "S3RVER");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "S3RVER");
        Client = new AmazonS3Client(new AmazonS3Config
        {
            ServiceURL = Endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
        });
    }

    /// <summary>Why the S3 tests are skipped here (no Node.js), or null when s3rver runs.</summary>
    public string? Unavailable { get; }

    public Uri Endpoint { get; }

    /// <summary>A client of its own, to read back what the sink wrote.</summary>
    public IAmazonS3 Client { get; }

    public S3ConnectionOptions Options => new() { EndpointUrl = Endpoint };

    public async Task<string> Md5OfObjectAsync(string key)
    {
        using var response = await Client.GetObjectAsync(Bucket, key);
        using var md5 = System.Security.Cryptography.MD5.Create();
        return Convert.ToHexString(await md5.ComputeHashAsync(response.ResponseStream)).ToLowerInvariant();
    }

    public async Task<List<string>> KeysAsync(string prefix)
    {
        var listed = await Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, Prefix = prefix });
        return (listed.S3Objects ?? new List<S3Object>()).Select(o => o.Key).ToList();
    }

    public async Task<List<MultipartUpload>> OpenUploadsAsync(string prefix = "")
    {
        var listed = await Client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = Bucket, Prefix = prefix });
        return listed.MultipartUploads ?? new List<MultipartUpload>();
    }

    /// <summary>
    /// Flips one byte of a part s3rver stored for an upload in progress, as a store that returns other bytes than it
    /// was sent would. s3rver keeps parts as files, <c>&lt;directory&gt;/&lt;bucket&gt;/._S3rver_uploads/&lt;upload id&gt;/&lt;part number&gt;</c>.
    /// </summary>
    public void CorruptStoredPart(string uploadId, int partNumber, long offset)
    {
        using var part = new FileStream(Path.Combine(directory!, Bucket, "._S3rver_uploads", uploadId, partNumber.ToString(System.Globalization.CultureInfo.InvariantCulture)), FileMode.Open, FileAccess.ReadWrite);
        part.Position = offset;
        var original = part.ReadByte();
        part.Position = offset;
        part.WriteByte((byte)(original ^ 0xFF));
    }

    public void Dispose()
    {
        Client.Dispose();
        if (server is null)
        {
            return;
        }
        server.Dispose();
        Directory.Delete(directory!, recursive: true);
    }
}
