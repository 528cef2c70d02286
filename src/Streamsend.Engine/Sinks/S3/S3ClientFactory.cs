using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.S3;

namespace Streamsend.Engine.Sinks.S3;

/// <summary>Builds the S3 client from <see cref="S3ConnectionOptions"/> the way the AWS CLI would.</summary>
internal static class S3ClientFactory
{
    public static IAmazonS3 Create(S3ConnectionOptions options)
    {
        var config = new AmazonS3Config();
        if (options.ProfileName is { } profileName)
        {
            // The profile supplies credentials and, unless -Region says otherwise, the region.
            if (!new CredentialProfileStoreChain().TryGetProfile(profileName, out _))
            {
                throw new StreamsendException("S3ProfileNotFound", ErrorKind.NotFound, $"The AWS profile '{profileName}' is not in the shared config or credentials file.", profileName);
            }
            config.Profile = new Profile(profileName);
        }
        if (options.Region is { } region)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        if (options.EndpointUrl is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.ForcePathStyle = true;
            // Stores that are not AWS often reject, or store verbatim, the flexible checksums and aws-chunked bodies
            // that newer SDKs send by default; only send and check checksums where the operation requires them.
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
            config.AuthenticationRegion = options.Region ?? "us-east-1";
        }
        return new AmazonS3Client(config);
    }

    /// <summary>Per-request setting that goes with the config above: aws-chunked signed bodies only for AWS itself.</summary>
    public static bool UseChunkEncoding(S3ConnectionOptions options) => options.EndpointUrl is null;
}
