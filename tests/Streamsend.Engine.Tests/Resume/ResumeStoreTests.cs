using Streamsend.Engine.Resume;
using Streamsend.Engine.Sending;

namespace Streamsend.Engine.Tests.Resume;

public sealed class ResumeStoreTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("streamsend-resume-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static readonly ResumeKey Key = new("files", "kafka1:9092,kafka2:9092", "edge-07", "/data/outbox/survey.tif");

    /// <summary>A 10-chunk transfer of 9,500 bytes (chunks of 1,000; the last holds 500) with chunks 0-2 and 5 acknowledged.</summary>
    private static ResumeState StateWithChunks0To2And5()
    {
        var chunks = new AcknowledgedChunks(10, 1000, 9500);
        foreach (var index in new[] { 0, 1, 2, 5 })
        {
            chunks.Remember(index, (ulong)(index + 1) * 0x0101010101010101UL);
            chunks.Acknowledge(index);
        }
        var lastWrite = new DateTime(2026, 11, 25, 9, 48, 23, DateTimeKind.Utc).AddTicks(1234567);
        return ResumeState.NewTransfer(Key, "survey.tif", 9500, lastWrite, 1000, Distribution.Chunk, firstPartition: 3, partitionCount: 8).WithAcknowledged(chunks);
    }

    [Fact]
    public void A_saved_state_is_found_again_with_every_acknowledged_chunk_and_its_fingerprint()
    {
        var store = new ResumeStore(folder);
        var saved = StateWithChunks0To2And5();

        store.Save(saved);
        var loaded = store.Load(Key, out var warning);

        Assert.Null(warning);
        Assert.NotNull(loaded);
        Assert.Equal(saved.TransferId, loaded.TransferId);
        Assert.Equal(saved.LastWriteUtc, loaded.LastWriteUtc);
        Assert.Equal(new[] { new[] { 0, 2 }, new[] { 5, 5 } }, loaded.Acknowledged);
        Assert.Equal(4000, loaded.AcknowledgedBytes);
        var chunks = AcknowledgedChunks.From(loaded);
        Assert.Equal(new[] { 0, 1, 2, 5 }, Enumerable.Range(0, 10).Where(chunks.IsAcknowledged));
        Assert.Equal(6 * 0x0101010101010101UL, chunks.FingerprintOf(5));
        Assert.Equal(new[] { Path.GetFileName(store.PathOf(Key)) }, Directory.GetFiles(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void The_same_send_finds_its_state_whatever_the_order_case_and_spacing_of_the_bootstrap_servers()
    {
        var store = new ResumeStore(folder);
        store.Save(StateWithChunks0To2And5());

        var loaded = store.Load(Key with { BootstrapServers = " KAFKA2:9092, kafka1:9092" }, out var warning);

        Assert.Null(warning);
        Assert.NotNull(loaded);
        Assert.Null(store.Load(Key with { Sender = "edge-08" }, out _));
        Assert.Null(store.Load(Key with { Topic = "other" }, out _));
        Assert.Null(store.Load(Key with { FullPath = "/data/outbox/other.tif" }, out _));
    }

    [Fact]
    public void A_kill_while_saving_leaves_the_previous_state_readable_and_its_temporary_file_is_removed()
    {
        var store = new ResumeStore(folder);
        var saved = StateWithChunks0To2And5();
        store.Save(saved);
        // What a kill mid-save leaves: a half-written temporary file beside the state.
        var leftover = $"{store.PathOf(Key)}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(leftover, "{\"format\":1,\"topic\":\"fi");

        var loaded = store.Load(Key, out var warning);

        Assert.Null(warning);
        Assert.Equal(saved.TransferId, loaded!.TransferId);
        Assert.False(File.Exists(leftover));
    }

    [Fact]
    public void An_unreadable_state_is_set_aside_with_a_warning_and_the_file_is_sent_anew()
    {
        var store = new ResumeStore(folder);
        Directory.CreateDirectory(folder);
        File.WriteAllText(store.PathOf(Key), "{ not json");

        var loaded = store.Load(Key, out var warning);

        Assert.Null(loaded);
        Assert.Contains("could not be used", warning);
        Assert.Contains("sent as a new transfer", warning);
        Assert.Single(Directory.GetFiles(folder, "*.unreadable-*"));
        Assert.False(File.Exists(store.PathOf(Key)));
    }

    [Fact]
    public void A_state_that_belongs_to_another_file_is_not_used()
    {
        var store = new ResumeStore(folder);
        var other = StateWithChunks0To2And5() with { FullPath = "/data/outbox/other.tif" };
        Directory.CreateDirectory(folder);
        // As if two keys' file names collided: the file at this key's name holds another key's state.
        File.Copy(WriteElsewhere(other), store.PathOf(Key));

        var loaded = store.Load(Key, out var warning);

        Assert.Null(loaded);
        Assert.Contains("belongs to '/data/outbox/other.tif'", warning);
    }

    [Fact]
    public void Removing_a_state_forgets_the_transfer()
    {
        var store = new ResumeStore(folder);
        store.Save(StateWithChunks0To2And5());

        store.Remove(Key);

        Assert.Null(store.Load(Key, out var warning));
        Assert.Null(warning);
        Assert.Empty(Directory.GetFiles(folder));
    }

    [Fact]
    public void Removing_a_state_that_was_never_saved_does_nothing()
    {
        var store = new ResumeStore(Path.Combine(folder, "never-created"));

        store.Remove(Key);

        Assert.False(Directory.Exists(store.Folder));
    }

    [Theory]
    [InlineData("overlapping ranges", "[[0,2],[2,5]]")]
    [InlineData("descending ranges", "[[5,5],[0,2]]")]
    [InlineData("a range past the last chunk", "[[0,2],[5,10]]")]
    [InlineData("a range that is not a pair", "[[0,2,3]]")]
    public void Acknowledged_chunks_that_cannot_belong_to_the_transfer_are_refused(string what, string ranges)
    {
        var state = StateWithChunks0To2And5() with { Acknowledged = System.Text.Json.JsonSerializer.Deserialize<int[][]>(ranges)! };

        var error = Assert.Throws<FormatException>(() => AcknowledgedChunks.From(state));

        Assert.False(string.IsNullOrEmpty(error.Message), what);
    }

    [Fact]
    public void Fingerprints_must_match_the_acknowledged_chunks_one_for_one()
    {
        var state = StateWithChunks0To2And5();
        var oneShort = Convert.ToBase64String(Convert.FromBase64String(state.ChunkHashes).Take(24).ToArray());

        Assert.Throws<FormatException>(() => AcknowledgedChunks.From(state with { ChunkHashes = oneShort }));
        Assert.Throws<FormatException>(() => AcknowledgedChunks.From(state with { AcknowledgedBytes = 4500 }));
        Assert.Throws<FormatException>(() => AcknowledgedChunks.From(state with { ChunkCount = 11 }));
    }

    [Fact]
    public void Without_a_state_path_states_live_beside_the_default_journals_and_with_one_beside_that_journal()
    {
        Assert.Equal(Path.Combine(Streamsend.Engine.Spool.StateRoot.Default(), "resume"), ResumeStore.DefaultFolder());
        Assert.Equal(Path.Combine(folder, "state", "resume"), ResumeStore.FolderBeside(Path.Combine(folder, "state", "outbox.json")));
    }

    private string WriteElsewhere(ResumeState state)
    {
        var elsewhere = new ResumeStore(Path.Combine(folder, "elsewhere"));
        elsewhere.Save(state);
        return elsewhere.PathOf(ResumeKey.Of(state));
    }
}
