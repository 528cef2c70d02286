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
}
