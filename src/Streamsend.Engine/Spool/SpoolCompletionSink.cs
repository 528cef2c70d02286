using Streamsend.Engine.Platform;
using Streamsend.Engine.Events;

namespace Streamsend.Engine.Spool;

/// <summary>
/// Sits between the sender and the host: when the sender reports a file sent (every chunk acknowledged), records it in
/// the journal and applies the after-send action, then passes the event on. Nothing here runs for a file the sender did
/// not finish, so a killed or failed sender leaves its files where they were.
/// </summary>
public sealed class SpoolCompletionSink : IEngineEventSink
{
    private static readonly TimeSpan JournalSaveInterval = TimeSpan.FromSeconds(1);

    private readonly IEngineEventSink inner;
    private readonly SpoolScanner scanner;
    private readonly SpoolOptions options;
    private readonly object saveGate = new();
    private DateTime lastSaveUtc = DateTime.MinValue;

    public SpoolCompletionSink(IEngineEventSink inner, SpoolScanner scanner, SpoolOptions options)
    {
        this.inner = inner;
        this.scanner = scanner;
        this.options = options;
    }

    public void Post(EngineEvent engineEvent)
    {
        switch (engineEvent)
        {
            case FileSentEvent sent:
                // Acted on first, so whoever takes the SentFile object finds the file already archived or deleted.
                Complete(sent.File);
                inner.Post(sent);
                break;
            case TransferFailedEvent { Error.Target: string path } failed:
                scanner.Failed(path);
                inner.Post(failed);
                break;
            default:
                inner.Post(engineEvent);
                break;
        }
    }

    /// <summary>Writes the journal now (at the end of a run); between files it is written at most once a second.</summary>
    public void SaveJournal()
    {
        try
        {
            options.Journal?.Save();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            inner.Failed(JournalFailed(e));
        }
    }

    private void Complete(SentFile file)
    {
        var snapshot = scanner.HandedOut(file.Path);
        try
        {
            if (snapshot is null)
            {
                return;
            }
            var now = new FileInfo(LongPaths.Extend(file.Path));
            if (!now.Exists || file.Length != snapshot.Length || !FileSnapshot.Of(now, file.Path, snapshot.RelativePath).SameContentStamp(snapshot))
            {
                inner.Warning($"'{file.Path}' changed after it was picked up; it was sent as it was then, is left in place, and is sent again next time.");
                return;
            }
            if (options.Journal is { } journal)
            {
                journal.Record(new JournalEntry(file.RelativePath, snapshot.Length, snapshot.LastWriteUtc, file.Md5, file.TransferId, DateTime.UtcNow));
                SaveJournalThrottled();
            }
            AfterSend.Apply(options.AfterSend, options.ArchivePath, file.Path, file.RelativePath, inner);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            inner.Failed(new StreamsendException(
                "AfterSendFailed",
                ErrorKind.WriteError,
                $"'{file.Path}' was sent, but {options.AfterSend switch { AfterSendAction.Delete => "deleting it", AfterSendAction.Move => "moving it to the archive", _ => "recording it" }} failed: {e.Message}",
                file.Path,
                e));
        }
        finally
        {
            scanner.Completed(file.Path);
        }
    }

    private void SaveJournalThrottled()
    {
        lock (saveGate)
        {
            if (DateTime.UtcNow - lastSaveUtc < JournalSaveInterval)
            {
                return;
            }
            lastSaveUtc = DateTime.UtcNow;
        }
        SaveJournal();
    }

    private StreamsendException JournalFailed(Exception e) =>
        new("JournalWriteFailed", ErrorKind.WriteError, $"Cannot write the journal '{options.Journal!.Path}': {e.Message}. Files sent in this run may be sent again next time.", options.Journal.Path, e);
}
