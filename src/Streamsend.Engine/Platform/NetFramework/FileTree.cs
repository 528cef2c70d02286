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

    /// <summary>Paths go back to callers as they would write them.</summary>
    private static string Unextended(string path) =>
        path.StartsWith(@"\\?\UNC\", StringComparison.Ordinal) ? @"\\" + path.Substring(8)
        : path.StartsWith(@"\\?\", StringComparison.Ordinal) ? path.Substring(4)
        : path;
}
