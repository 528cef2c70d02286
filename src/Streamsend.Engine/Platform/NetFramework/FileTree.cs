namespace Streamsend.Engine.Platform;

/// <summary>
/// Every file below a folder, hidden ones included; links are not followed, so a loop cannot make a tree endless.
/// .NET Framework has no EnumerationOptions: the walk skips reparse points itself.
/// </summary>
internal static class FileTree
{
    public static IEnumerable<string> FilesBelow(string directory)
    {
        var pending = new Stack<DirectoryInfo>();
        pending.Push(new DirectoryInfo(LongPaths.Extend(directory)));
        while (pending.Count > 0)
        {
            foreach (var entry in pending.Pop().EnumerateFileSystemInfos())
            {
                if ((entry.Attributes & FileAttributes.ReparsePoint) != 0)
                {
                    continue;
                }
                if (entry is DirectoryInfo subdirectory)
                {
                    pending.Push(subdirectory);
                }
                else
                {
                    yield return Unextended(entry.FullName);
                }
            }
        }
    }

    /// <summary>
    /// The names of the files and folders in <paramref name="folder"/> equal to <paramref name="name"/> when case is
    /// ignored. Windows matches a search pattern without regard to case; Mono on Linux does not, so there every entry is
    /// compared.
    /// </summary>
    public static IEnumerable<string> NamesIgnoringCase(string folder, string name)
    {
        var extended = LongPaths.Extend(folder);
        if (!Directory.Exists(extended))
        {
            return Array.Empty<string>();
        }
        var pattern = OperatingSystem.IsWindows() && name.IndexOfAny(new[] { '*', '?' }) < 0 ? name : "*";
        return Directory.EnumerateFileSystemEntries(extended, pattern)
            .Select(Path.GetFileName)
            .Where(entry => string.Equals(entry, name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Paths go back to callers as they would write them.</summary>
    private static string Unextended(string path) =>
        path.StartsWith(@"\\?\UNC\", StringComparison.Ordinal) ? @"\\" + path.Substring(8)
        : path.StartsWith(@"\\?\", StringComparison.Ordinal) ? path.Substring(4)
        : path;
}
