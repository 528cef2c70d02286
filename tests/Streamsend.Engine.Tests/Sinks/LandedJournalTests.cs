using Streamsend.Engine.Sinks;
using Streamsend.Engine.Tests.Support;

namespace Streamsend.Engine.Tests.Sinks;

public sealed class LandedJournalTests
{
    [Fact]
    public void Ids_written_before_senders_were_recorded_still_count_as_landed_and_new_lines_name_sender_and_path()
    {
        using var files = new TestFiles();
        var old = Guid.NewGuid();
        var path = files.WriteText("landed.log", old.ToString("N") + "\n");
        var landing = new LandedJournal.Landing(Guid.NewGuid(), "outlet 09\t/ü", "reports/daily (from outlet 09).csv");

        using (var journal = new LandedJournal(path))
        {
            journal.Load();
            journal.Record(landing);
            Assert.True(journal.Contains(old));
            Assert.Null(journal.SenderOf("reports/daily.csv"));
        }
        using var reopened = new LandedJournal(path);
        reopened.Load();

        Assert.True(reopened.Contains(old));
        Assert.True(reopened.Contains(landing.TransferId));
        Assert.Equal("outlet 09\t/ü", reopened.SenderOf("reports/daily (from outlet 09).csv"));
        Assert.Equal(2, File.ReadAllLines(path).Length);
    }

    [Fact]
    public void A_line_another_receiver_appends_is_seen_without_reopening()
    {
        using var files = new TestFiles();
        var path = Path.Combine(files.Root, "landed.log");
        using var first = new LandedJournal(path);
        using var second = new LandedJournal(path);
        first.Load();
        second.Load();

        second.Record(new LandedJournal.Landing(Guid.NewGuid(), "outlet-07", "reports/daily.csv"));

        Assert.Equal("outlet-07", first.SenderOf("reports/daily.csv"));
    }
}
