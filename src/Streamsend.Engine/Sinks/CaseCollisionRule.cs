using Streamsend.Engine.Platform;

namespace Streamsend.Engine.Sinks;

/// <summary>
/// Where a destination's file system compares names without regard to letter case (NTFS and SMB shares on Windows,
/// APFS on macOS by default), <c>report.pdf</c> landing where <c>Report.pdf</c> is would replace it, although a
/// sender on a case-sensitive system sent them as two files. The rule: a file replaces only a file of exactly its own
/// name (an update); where a name differs from its own only in case, it lands beside it as <c>report (2).pdf</c>, the
/// first such name that collides with nothing, and the receiver warns, naming both. On a case-sensitive file system
/// the two names are two files and nothing changes.
/// </summary>
internal sealed class CaseCollisionRule
{
    private CaseCollisionRule(bool ignoresCase) => IgnoresCase = ignoresCase;

    public static CaseCollisionRule Off { get; } = new(false);

    public static CaseCollisionRule On { get; } = new(true);

    public bool IgnoresCase { get; }

    /// <summary>Asks the file system: a file made under one name, looked up under its upper-case twin.</summary>
    public static CaseCollisionRule ProbedIn(string folder)
    {
        var probe = Path.Combine(folder, $"case-probe-{Guid.NewGuid():N}");
        File.WriteAllBytes(probe, Array.Empty<byte>());
        try
        {
            return File.Exists(Path.Combine(folder, Path.GetFileName(probe).ToUpperInvariant())) ? On : Off;
        }
        finally
        {
            File.Delete(probe);
        }
    }

    /// <summary>Where a file meant for <paramref name="finalPath"/> lands, and the warning to give when that is another name.</summary>
    public (string Path, string? Warning) Resolve(string finalPath)
    {
        if (!IgnoresCase)
        {
            return (finalPath, null);
        }
        var folder = Path.GetDirectoryName(finalPath)!;
        var name = Path.GetFileName(finalPath);
        var twin = CaseTwin(folder, name);
        if (twin is null)
        {
            return (finalPath, null);
        }
        for (var n = 2; ; n++)
        {
            var candidate = SenderCollisionRule.WithSuffix(name, $" ({n})");
            if (CaseTwin(folder, candidate) is null)
            {
                var landed = Path.Combine(folder, candidate);
                return (landed, $"'{name}' differs from '{twin}' in '{folder}' only in letter case, which this destination does not tell apart: " +
                    $"it landed as '{candidate}' beside it, and '{twin}' was left as it was.");
            }
        }
    }

    /// <summary>The name of an entry in <paramref name="folder"/> equal to <paramref name="name"/> but for case, or null.</summary>
    private static string? CaseTwin(string folder, string name) =>
        FileTree.NamesIgnoringCase(folder, name).FirstOrDefault(existing => !string.Equals(existing, name, StringComparison.Ordinal));
}
