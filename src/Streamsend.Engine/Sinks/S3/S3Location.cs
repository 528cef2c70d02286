namespace Streamsend.Engine.Sinks.S3;

/// <summary>A bucket and key prefix, written as the AWS CLI writes them: <c>s3://bucket/prefix</c>.</summary>
public sealed record S3Location(string Bucket, string Prefix)
{
    private const string Scheme = "s3://";

    public static bool IsS3Uri(string destination) => destination.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    public static S3Location Parse(string uri)
    {
        if (!IsS3Uri(uri))
        {
            throw new StreamsendException("InvalidS3Uri", ErrorKind.InvalidArgument, $"'{uri}' is not an s3:// URI.", uri);
        }
        var rest = uri[Scheme.Length..];
        var slash = rest.IndexOf('/');
        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..].Trim('/');
        if (bucket.Length is < 3 or > 63 || !bucket.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.'))
        {
            throw new StreamsendException("InvalidS3Uri", ErrorKind.InvalidArgument, $"'{uri}' does not name a valid bucket: bucket names are 3 to 63 lower-case letters, digits, '-' and '.'.", uri);
        }
        if (prefix.Split('/').Any(segment => segment is "." or "..") || prefix.Contains("//", StringComparison.Ordinal))
        {
            throw new StreamsendException("InvalidS3Uri", ErrorKind.InvalidArgument, $"'{uri}' has an empty, '.' or '..' segment in its prefix.", uri);
        }
        return new S3Location(bucket, prefix);
    }

    /// <summary>The key of <paramref name="relativePath"/> under the prefix.</summary>
    public string KeyOf(string relativePath) => Prefix.Length == 0 ? relativePath : $"{Prefix}/{relativePath}";

    public string UriOf(string key) => $"{Scheme}{Bucket}/{key}";

    public override string ToString() => Prefix.Length == 0 ? $"{Scheme}{Bucket}" : $"{Scheme}{Bucket}/{Prefix}";
}
