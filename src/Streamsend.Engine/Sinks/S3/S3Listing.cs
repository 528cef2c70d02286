using Amazon.S3;
using Amazon.S3.Model;

namespace Streamsend.Engine.Sinks.S3;

/// <summary>Everything under a key prefix, page by page: the objects, and the multipart uploads in progress.</summary>
internal static class S3Listing
{
    public static async Task<List<string>> KeysAsync(IAmazonS3 client, string bucket, string prefix, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix };
        ListObjectsV2Response page;
        do
        {
            page = await client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            keys.AddRange((page.S3Objects ?? new List<S3Object>()).Select(o => o.Key));
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);
        return keys;
    }

    public static async Task<List<MultipartUpload>> UploadsAsync(IAmazonS3 client, string bucket, string prefix, CancellationToken cancellationToken)
    {
        var uploads = new List<MultipartUpload>();
        var request = new ListMultipartUploadsRequest { BucketName = bucket, Prefix = prefix };
        ListMultipartUploadsResponse page;
        do
        {
            page = await client.ListMultipartUploadsAsync(request, cancellationToken).ConfigureAwait(false);
            uploads.AddRange(page.MultipartUploads ?? new List<MultipartUpload>());
            request.KeyMarker = page.NextKeyMarker;
            request.UploadIdMarker = page.NextUploadIdMarker;
        }
        while (page.IsTruncated == true);
        return uploads;
    }
}
