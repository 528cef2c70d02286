namespace Streamsend.Engine.Resume;

/// <summary>
/// What makes a later run "the same send" of a file: the same topic on the same cluster, the same sender name and the
/// same file. The bootstrap servers are compared as a set (order, case and spaces aside); on Windows the path's case
/// does not count either, as the file system's does not.
/// </summary>
public sealed record ResumeKey(string Topic, string BootstrapServers, string Sender, string FullPath)
{
    public static ResumeKey Of(ResumeState state) => new(state.Topic, state.BootstrapServers, state.Sender, state.FullPath);

    /// <summary>The key of a file sent with these options.</summary>
    internal static ResumeKey For(Sending.SendOptions options, Sending.SendRequest request) => new(options.Topic, options.Kafka.BootstrapServers, options.SenderName, request.FullPath);

    /// <summary>One line per part, normalized: what the state file's name is derived from.</summary>
    public string Canonical => string.Join("\n", Topic, NormalizedServers(BootstrapServers), Sender, NormalizedPath(FullPath));

    public bool Matches(ResumeState state) => Canonical == Of(state).Canonical;

    private static string NormalizedServers(string servers) =>
        string.Join(",", servers.Split(',').Select(s => s.Trim().ToLowerInvariant()).Where(s => s.Length > 0).Distinct().OrderBy(s => s, StringComparer.Ordinal));

    private static string NormalizedPath(string path) => OperatingSystem.IsWindows() ? path.ToUpperInvariant() : path;
}
