using Amazon.S3;
using Amazon.S3.Model;

namespace Streamsend.Engine.Sinks.S3;

/// <summary>
/// Copies a staged object to its final key inside the store, replacing its metadata with the landing metadata. The copy
/// is what makes a file appear: at once, whole, already marked with its transfer id and MD5.
/// </summary>
internal sealed class S3ObjectCopier
{
    /// <summary>S3's limit for a single CopyObject; larger objects are copied part by part.</summary>
    private const long SingleCopyLimit = 5L << 30;
    private const long CopyPartSize = 512L << 20;

    private readonly IAmazonS3 client;
    private readonly string bucket;

    public S3ObjectCopier(IAmazonS3 client, string bucket)
    {
        this.client = client;
        this.bucket = bucket;
    }

    /// <returns>The final object's ETag.</returns>
    public async Task<string?> CopyWithMetadataAsync(string sourceKey, string destinationKey, IncomingFile file, string md5, CancellationToken cancellationToken)
    {
        if (file.Size <= SingleCopyLimit)
        {
            var request = new CopyObjectRequest
            {
                SourceBucket = bucket,
                SourceKey = sourceKey,
                DestinationBucket = bucket,
                DestinationKey = destinationKey,
                MetadataDirective = S3MetadataDirective.REPLACE,
            };
            S3ObjectMetadata.Write(request.Metadata, file, md5);
            var response = await client.CopyObjectAsync(request, cancellationToken).ConfigureAwait(false);
            return response.ETag;
        }
        return await CopyInPartsAsync(sourceKey, destinationKey, file, md5, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string?> CopyInPartsAsync(string sourceKey, string destinationKey, IncomingFile file, string md5, CancellationToken cancellationToken)
    {
        var initiate = new InitiateMultipartUploadRequest { BucketName = bucket, Key = destinationKey };
        S3ObjectMetadata.Write(initiate.Metadata, file, md5);
        var uploadId = (await client.InitiateMultipartUploadAsync(initiate, cancellationToken).ConfigureAwait(false)).UploadId;
        try
        {
            var etags = new List<PartETag>();
            for (long first = 0, part = 1; first < file.Size; first += CopyPartSize, part++)
            {
                var copied = await client.CopyPartAsync(new CopyPartRequest
                {
                    SourceBucket = bucket,
                    SourceKey = sourceKey,
                    DestinationBucket = bucket,
                    DestinationKey = destinationKey,
                    UploadId = uploadId,
                    PartNumber = (int)part,
                    FirstByte = first,
                    LastByte = Math.Min(file.Size, first + CopyPartSize) - 1,
                }, cancellationToken).ConfigureAwait(false);
                etags.Add(new PartETag((int)part, copied.ETag));
            }
            var complete = new CompleteMultipartUploadRequest { BucketName = bucket, Key = destinationKey, UploadId = uploadId };
            complete.AddPartETags(etags);
            return (await client.CompleteMultipartUploadAsync(complete, cancellationToken).ConfigureAwait(false)).ETag;
        }
        catch
        {
            // This upload is at the final key, outside the state prefix, so no sweep would find it: abort it now.
            await client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = bucket, Key = destinationKey, UploadId = uploadId }, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }
}
