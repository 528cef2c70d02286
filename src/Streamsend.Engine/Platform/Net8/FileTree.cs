namespace Streamsend.Engine.Platform;

/// <summary>Every file below a folder, hidden ones included; links are not followed, so a loop cannot make a tree endless.</summary>
internal static class FileTree
{
    public static IEnumerable<string> FilesBelow(string directory) =>
        Directory.EnumerateFiles(directory, "*", new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = false,
            AttributesToSkip = FileAttributes.ReparsePoint,
            ReturnSpecialDirectories = false,
        });

    /// <summary>The names of the files and folders in <paramref name="folder"/> equal to <paramref name="name"/> when case is ignored.</summary>
    public static IEnumerable<string> NamesIgnoringCase(string folder, string name)
    {
        if (!Directory.Exists(folder))
        {
            return Array.Empty<string>();
        }
        // A name with wildcard characters (allowed on Linux) cannot be its own pattern.
        var pattern = name.IndexOfAny(Wildcards) >= 0 ? "*" : name;
        return Directory.EnumerateFileSystemEntries(folder, pattern, new EnumerationOptions { MatchCasing = MatchCasing.CaseInsensitive, AttributesToSkip = 0 })
            .Select(Path.GetFileName)
            .Where(entry => string.Equals(entry, name, StringComparison.OrdinalIgnoreCase))
            .Select(entry => entry!);
    }

    private static readonly char[] Wildcards = { '*', '?' };
}
