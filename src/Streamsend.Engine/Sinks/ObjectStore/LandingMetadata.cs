namespace Streamsend.Engine.Sinks.ObjectStore;

/// <summary>
/// The landing record an object store keeps with every landed object, in its user metadata: the transfer id, the
/// verified MD5, the sender's relative path and name, and the source's last write time. The transfer id and the MD5
/// together are the landing mark by which a restarted receiver knows a transfer already landed. Text from the network
/// (path, sender) is percent-encoded, because metadata travels in HTTP headers and must be ASCII.
/// </summary>
/// <remarks>
/// The names are <c>streamsend</c>, a separator and the field: S3 takes <c>streamsend-transfer</c>
/// (<c>x-amz-meta-streamsend-transfer</c>); Azure wants metadata names that are C# identifiers, so <c>streamsend_transfer</c>.
/// </remarks>
internal sealed class LandingMetadata
{
    public LandingMetadata(char separator)
    {
        TransferId = $"streamsend{separator}transfer";
        Md5 = $"streamsend{separator}md5";
        SourcePath = $"streamsend{separator}path";
        Sender = $"streamsend{separator}sender";
        LastWriteTime = $"streamsend{separator}mtime";
    }

    public string TransferId { get; }

    public string Md5 { get; }

    public string SourcePath { get; }

    public string Sender { get; }

    public string LastWriteTime { get; }

    /// <summary>The metadata of <paramref name="file"/>, landed with the verified <paramref name="md5"/>.</summary>
    public IEnumerable<KeyValuePair<string, string>> Of(IncomingFile file, string md5)
    {
        yield return new(TransferId, file.TransferId.ToString("N"));
        yield return new(Md5, md5);
        yield return new(SourcePath, Uri.EscapeDataString(file.RelativePath));
        yield return new(Sender, Uri.EscapeDataString(file.Sender));
        yield return new(LastWriteTime, file.LastWriteTimeUtc.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Whether an object's metadata (<paramref name="value"/> looks a name up; null when absent) marks it as the landing of <paramref name="transferId"/>.</summary>
    public bool IsLandingOf(Func<string, string?> value, Guid transferId) =>
        value(TransferId) is { } id && Guid.TryParseExact(id, "N", out var landed) && landed == transferId
        && value(Md5) is { Length: 32 };

    /// <summary>The sender that landed the object, or null when no Streamsend receiver did.</summary>
    public string? SenderOf(Func<string, string?> value) => value(Sender) is { } sender ? Uri.UnescapeDataString(sender) : null;
}
