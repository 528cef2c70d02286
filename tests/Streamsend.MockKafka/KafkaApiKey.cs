namespace Streamsend.MockKafka;

/// <summary>Kafka protocol request types (ApiKey), for <see cref="MockKafkaCluster.PushRequestErrors"/>.</summary>
public static class KafkaApiKey
{
    public const short Produce = 0;
    public const short Fetch = 1;
    public const short ListOffsets = 2;
    public const short Metadata = 3;
    public const short OffsetCommit = 8;
    public const short OffsetFetch = 9;
    public const short FindCoordinator = 10;
    public const short JoinGroup = 11;
    public const short Heartbeat = 12;
    public const short LeaveGroup = 13;
    public const short SyncGroup = 14;
    public const short ApiVersions = 18;
    public const short InitProducerId = 22;
    public const short OffsetForLeaderEpoch = 23;

    private static readonly IReadOnlyDictionary<string, short> ByName = new Dictionary<string, short>(StringComparer.OrdinalIgnoreCase)
    {
        [nameof(Produce)] = Produce,
        [nameof(Fetch)] = Fetch,
        [nameof(ListOffsets)] = ListOffsets,
        [nameof(Metadata)] = Metadata,
        [nameof(OffsetCommit)] = OffsetCommit,
        [nameof(OffsetFetch)] = OffsetFetch,
        [nameof(FindCoordinator)] = FindCoordinator,
        [nameof(JoinGroup)] = JoinGroup,
        [nameof(Heartbeat)] = Heartbeat,
        [nameof(LeaveGroup)] = LeaveGroup,
        [nameof(SyncGroup)] = SyncGroup,
        [nameof(ApiVersions)] = ApiVersions,
        [nameof(InitProducerId)] = InitProducerId,
        [nameof(OffsetForLeaderEpoch)] = OffsetForLeaderEpoch,
    };

    /// <summary>A number ("0") or one of the names above ("Produce", any case).</summary>
    public static short Parse(string text) =>
        short.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) ? number
        : ByName.TryGetValue(text, out var named) ? named
        : throw new FormatException($"'{text}' is not an API key: use a number or one of {string.Join(", ", ByName.Keys)}.");
}
