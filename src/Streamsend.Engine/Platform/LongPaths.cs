namespace Streamsend.Engine.Platform;

/// <summary>
/// Paths of 260 characters and more on Windows. .NET 8 adds the extended-length prefix itself. Windows PowerShell 5.1
/// (.NET Framework 4.6.2+ path handling, a long-path-aware powershell.exe) opens them only when the machine's
/// LongPathsEnabled policy is on; with the <c>\\?\</c> prefix it opens them either way. Streamsend adds it where it
/// opens, creates, moves or stamps a file, on .NET Framework on Windows only.
/// </summary>
internal static class LongPaths
{
    /// <summary>MAX_PATH less its terminating NUL: a longer path needs the prefix.</summary>
    public const int MaxShortPath = 259;

    /// <summary>The path to hand to the file system in this process.</summary>
    public static string Extend(string path) => Edition.NeedsExtendedPathPrefix ? Extend(path, windows: true) : path;

    /// <summary>
    /// <c>C:\long\path</c> becomes <c>\\?\C:\long\path</c> and <c>\\server\share\long\path</c> becomes
    /// <c>\\?\UNC\server\share\long\path</c>, when longer than <see cref="MaxShortPath"/> and <paramref name="windows"/>.
    /// The prefix turns off Windows' path normalisation, so the path is made full and its '/' become '\' first.
    /// </summary>
    public static string Extend(string path, bool windows)
    {
        if (!windows || path.Length <= MaxShortPath || path.StartsWith(@"\\?\", StringComparison.Ordinal) || path.StartsWith(@"\\.\", StringComparison.Ordinal))
        {
            return path;
        }
        var full = path.Replace('/', '\\');
        if (full.StartsWith(@"\\", StringComparison.Ordinal))
        {
            return @"\\?\UNC\" + full.Substring(2);
        }
        return full.Length >= 3 && char.IsLetter(full[0]) && full[1] == ':' && full[2] == '\\' ? @"\\?\" + full : path;
    }
}
