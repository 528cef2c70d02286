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

    public LocalLandingNames(string root, LandedJournal journal, CaseCollisionRule caseRule, bool overwrite)
    {
        this.root = root;
        this.journal = journal;
        this.caseRule = caseRule;
        this.overwrite = overwrite;
    }

    /// <summary>The full path and the '/'-separated relative path to land <paramref name="file"/> at, and what to warn about.</summary>
    public (string FullPath, string RelativePath, string? Warning) Resolve(IncomingFile file, string finalPath)
    {
        var owner = File.Exists(LongPaths.Extend(finalPath)) ? journal.SenderOf(file.RelativePath) : null;
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
