using Streamsend.Engine.Spool;

namespace Streamsend.Engine.Tests.Spool;

public sealed class SendJournalTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("streamsend-journal-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Entries_survive_a_save_and_reopen()
    {
        var path = Path.Combine(folder, "state", "journal.json");
        var journal = SendJournal.Open(path, out _);
        var entry = new JournalEntry("a/b.txt", 12, new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), "0123456789abcdef0123456789abcdef", Guid.NewGuid(), DateTime.UtcNow);
        journal.Record(entry);
        journal.Save();

        var reopened = SendJournal.Open(path, out var warning);

        Assert.Null(warning);
        Assert.Equal(entry, reopened.Find("a/b.txt"));
        Assert.Equal(new[] { "journal.json" }, Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public void A_crash_while_writing_leaves_the_previous_journal_readable()
    {
        var path = Path.Combine(folder, "journal.json");
        var journal = SendJournal.Open(path, out _);
        journal.Record(new JournalEntry("old.txt", 1, DateTime.UtcNow, "x", Guid.NewGuid(), DateTime.UtcNow));
        journal.Save();
        // What a crash mid-save leaves: a half-written temporary file beside the journal.
        File.WriteAllText($"{path}.{Guid.NewGuid():N}.tmp", "[{\"RelativePath\":\"new.t");

        var reopened = SendJournal.Open(path, out var warning);

        Assert.Null(warning);
        Assert.NotNull(reopened.Find("old.txt"));
    }

    [Fact]
    public void An_unreadable_journal_is_set_aside_with_a_warning()
    {
        var path = Path.Combine(folder, "journal.json");
        File.WriteAllText(path, "{ not json");

        var journal = SendJournal.Open(path, out var warning);

        Assert.Equal(0, journal.Count);
        Assert.Contains("could not be read", warning);
        Assert.Single(Directory.GetFiles(folder, "journal.json.unreadable-*"));
    }

    [Fact]
    public void The_default_path_is_one_file_per_topic_and_folder()
    {
        var a = SendJournal.DefaultPath("files", "/data/outbox");
        var b = SendJournal.DefaultPath("files", "/data/other");
        var c = SendJournal.DefaultPath("other", "/data/outbox");

        Assert.Equal(3, new[] { a, b, c }.Distinct().Count());
        Assert.StartsWith("files-", Path.GetFileName(a));
        Assert.Equal(a, SendJournal.DefaultPath("files", "/data/outbox"));
    }

    [Theory]
    [InlineData("user", @"C:\Users\ops\AppData\Local", @"C:\ProgramData", "", @"C:\Users\ops\AppData\Local")]
    [InlineData("SYSTEM", @"C:\Windows\system32\config\systemprofile\AppData\Local", @"C:\ProgramData", "", @"C:\Windows\system32\config\systemprofile\AppData\Local")]
    [InlineData("virtual service account", @"C:\Windows\ServiceProfiles\streamsend\AppData\Local", @"C:\ProgramData", "", @"C:\Windows\ServiceProfiles\streamsend\AppData\Local")]
    [InlineData("no loaded profile: no folder", "", @"C:\ProgramData", "", @"C:\ProgramData")]
    [InlineData("no loaded profile: a folder that cannot be made", @"C:\Users\gmsa-streamsend$\AppData\Local", @"C:\ProgramData", @"C:\Users\gmsa-streamsend$\AppData\Local", @"C:\ProgramData")]
    public void The_default_state_folder_on_Windows_suits_the_account_a_task_runs_as(string account, string localAppData, string programData, string cannotCreate, string expected)
    {
        var chosen = StateRoot.Choose(
            windows: true,
            folder => folder == Environment.SpecialFolder.LocalApplicationData ? localAppData : programData,
            path => cannotCreate.Length == 0 || !path.StartsWith(cannotCreate, StringComparison.Ordinal),
            temporary: @"C:\Windows\Temp");

        Assert.True(Path.Combine(expected, "Streamsend") == chosen, $"{account}: {chosen}");
    }

    [Fact]
    public void The_default_state_folder_elsewhere_is_local_application_data_else_the_temporary_folder()
    {
        Assert.Equal(Path.Combine("/home/ops/.local/share", "Streamsend"), StateRoot.Choose(false, _ => "/home/ops/.local/share", _ => true, "/tmp"));
        Assert.Equal(Path.Combine("/tmp", "Streamsend"), StateRoot.Choose(false, _ => "", _ => true, "/tmp"));
    }

    [Fact]
    public void The_default_journal_lies_in_the_state_folder()
    {
        var stateRoot = Path.Combine(Path.GetTempPath(), "state");
        Assert.Equal(Path.Combine(stateRoot, "journals"), Path.GetDirectoryName(SendJournal.DefaultPath("files", "/data/outbox", stateRoot)));
    }
}
