namespace Streamsend.Engine.Sinks;

/// <summary>
/// Fan-in: many senders, one destination. A file from one sender replaces a file that the same sender landed at that
/// path earlier (an update), but never one that another sender landed there: it lands beside it as
/// <c>daily (from outlet-09).csv</c>, and the receiver warns, naming both senders. <c>-Overwrite</c> lets any file
/// replace any other; <c>-Layout BySender</c> gives each sender a folder of its own, so nothing collides.
/// A file at the path that no Streamsend receiver landed (no sender known) is replaced, as before.
/// </summary>
public static class SenderCollisionRule
{
    /// <summary>Where a file from <paramref name="sender"/> meant for <paramref name="relativePath"/> lands, and the warning when that is elsewhere.</summary>
    /// <param name="owner">The sender of the file landed at <paramref name="relativePath"/>; null when there is none, or none that Streamsend landed.</param>
    public static (string RelativePath, string? Warning) Resolve(string relativePath, string sender, string? owner, bool overwrite)
    {
        if (owner is null || overwrite || string.Equals(owner, sender, StringComparison.Ordinal))
        {
            return (relativePath, null);
        }
        var alternate = AlternateFor(relativePath, sender);
        return (alternate, $"'{relativePath}' from sender '{sender}' landed as '{alternate}': '{relativePath}' there came from sender '{owner}', " +
            "and a file from one sender never replaces another's. -Overwrite lets it; -Layout BySender gives each sender a folder of its own.");
    }

    /// <summary><c>reports/daily.csv</c> from <c>outlet-09</c>: <c>reports/daily (from outlet-09).csv</c>; the sender's name made safe for a file name.</summary>
    public static string AlternateFor(string relativePath, string sender)
    {
        var slash = relativePath.LastIndexOf('/');
        return relativePath.Substring(0, slash + 1) + WithSuffix(relativePath.Substring(slash + 1), $" (from {SafeName(sender)})");
    }

    /// <summary>
    /// A file name with <paramref name="suffix"/> before its extension: <c>daily.csv</c> and " (2)" give
    /// <c>daily (2).csv</c>. A name whose only dot leads it (<c>.bashrc</c>) has no extension. Both collision rules name
    /// the file they keep beside another this way.
    /// </summary>
    internal static string WithSuffix(string name, string suffix)
    {
        var dot = name.LastIndexOf('.');
        return dot > 0 ? name.Substring(0, dot) + suffix + name.Substring(dot) : name + suffix;
    }

    /// <summary>A sender's name as one file or folder name: what no file system takes, or could climb a folder, becomes '_'.</summary>
    public static string SafeName(string sender)
    {
        var safe = new string(sender.Select(c => char.IsControl(c) || c is '/' or '\\' or ':' or '*' or '?' or '"' or '<' or '>' or '|' ? '_' : c).ToArray()).Trim().TrimEnd('.');
        return safe.Length == 0 || safe.All(c => c == '.') ? "_" : safe;
    }
}
