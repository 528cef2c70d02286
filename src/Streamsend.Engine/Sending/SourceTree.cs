using Streamsend.Engine.Platform;

namespace Streamsend.Engine.Sending;

/// <summary>
/// Turns what the user named (files, directories, a base path) into <see cref="SendRequest"/>s with portable
/// relative paths: '/' separators whatever the sender's platform.
/// </summary>
public static class SourceTree
{
    /// <summary>
    /// A directory yields every file below it, relative to <paramref name="basePath"/> or else to itself;
    /// a file yields itself, relative to <paramref name="basePath"/> or else by its name alone.
    /// </summary>
    public static IEnumerable<SendRequest> Expand(string fullPath, string? basePath)
    {
        if (Directory.Exists(fullPath))
        {
            var root = basePath ?? fullPath;
            return FileTree.FilesBelow(fullPath)
                .OrderBy(f => f, StringComparer.Ordinal)
                .Select(f => new SendRequest(f, RelativeTo(root, f)));
        }
        if (File.Exists(fullPath))
        {
            var relative = basePath is null ? Path.GetFileName(fullPath) : RelativeTo(basePath, fullPath);
            return new[] { new SendRequest(fullPath, relative) };
        }
        throw new StreamsendException("PathNotFound", ErrorKind.NotFound, $"Cannot find '{fullPath}': no such file or directory.", fullPath);
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="folder"/> or lies below it.</summary>
    public static bool IsSameOrInside(string path, string folder)
    {
        var relative = Path.GetRelativePath(Path.GetFullPath(folder), Path.GetFullPath(path));
        return relative == "." || (!relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative));
    }

    /// <summary>The '/'-separated path of <paramref name="fullPath"/> below <paramref name="root"/>.</summary>
    public static string RelativeTo(string root, string fullPath)
    {
        var relative = Path.GetRelativePath(Path.GetFullPath(root), Path.GetFullPath(fullPath));
        if (relative == "." || relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            throw new StreamsendException(
                "PathNotUnderBasePath",
                ErrorKind.InvalidArgument,
                $"'{fullPath}' is not inside the base path '{root}'. Give a -BasePath that contains every file sent.",
                fullPath);
        }
        return relative.Replace(Path.DirectorySeparatorChar, '/').Replace(Path.AltDirectorySeparatorChar, '/');
    }
}
