using Streamsend.Engine.Platform;

namespace Streamsend.Engine.Sinks;

/// <summary>
/// Where in a local destination a verified file lands, by the two collision rules in turn: another sender's file
/// (<see cref="SenderCollisionRule"/>, from the landed journal) and a name that differs only in case
/// (<see cref="CaseCollisionRule"/>, on file systems that do not tell case apart).
/// </summary>
internal sealed class LocalLandingNames
{
    private readonly string root;
    private readonly LandedJournal journal;
    private readonly CaseCollisionRule caseRule;
    private readonly bool overwrite;
    // Senders of files renamed into place whose landed-journal line may not be written yet (landings run side by side).
    private readonly Dictionary<string, string> publishedSenders = new(StringComparer.Ordinal);

    public LocalLandingNames(string root, LandedJournal journal, CaseCollisionRule caseRule, bool overwrite)
    {
        this.root = root;
        this.journal = journal;
        this.caseRule = caseRule;
        this.overwrite = overwrite;
    }

    /// <summary>A file now sits at <paramref name="relativePath"/>, from <paramref name="sender"/>. Callers hold the lock on this object for Resolve and Published together.</summary>
    public void Published(string relativePath, string sender) => publishedSenders[relativePath] = sender;

    /// <summary>The landed journal now has these files: it answers for them again.</summary>
    public void Recorded(IEnumerable<LandedJournal.Landing> landings)
    {
        lock (this)
        {
            foreach (var landing in landings)
            {
                if (publishedSenders.TryGetValue(landing.RelativePath, out var sender) && sender == landing.Sender)
                {
                    publishedSenders.Remove(landing.RelativePath);
                }
            }
        }
    }

    /// <summary>The full path and the '/'-separated relative path to land <paramref name="file"/> at, and what to warn about.</summary>
    public (string FullPath, string RelativePath, string? Warning) Resolve(IncomingFile file, string finalPath)
    {
        var owner = File.Exists(LongPaths.Extend(finalPath)) ? publishedSenders.GetValueOrDefault(file.RelativePath) ?? journal.SenderOf(file.RelativePath) : null;
        var (relative, senderWarning) = SenderCollisionRule.Resolve(file.RelativePath, file.Sender, owner, overwrite);
        var intended = relative == file.RelativePath ? finalPath : Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar));
        var (landed, caseWarning) = caseRule.Resolve(intended);
        if (!string.Equals(landed, intended, StringComparison.Ordinal))
        {
            var slash = relative.LastIndexOf('/');
            relative = relative.Substring(0, slash + 1) + Path.GetFileName(landed);
        }
        var warning = senderWarning is null ? caseWarning : caseWarning is null ? senderWarning : $"{senderWarning} {caseWarning}";
        return (landed, relative, warning);
    }
}
