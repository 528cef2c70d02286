using Streamsend.Engine.Platform;

namespace Streamsend.Engine;

/// <summary>
/// File, Path and link members that .NET Core added and .NET Framework 4.7.2 lacks, with the same meaning: a move
/// that replaces its target does so in one rename, as .NET's does, never as a delete followed by a move.
/// </summary>
internal static class FilePolyfills
{
    extension(File)
    {
        public static void Move(string sourceFileName, string destFileName, bool overwrite)
        {
            if (overwrite)
            {
                NativeFileApi.MoveReplacing(sourceFileName, destFileName);
            }
            else
            {
                File.Move(LongPaths.Extend(sourceFileName), LongPaths.Extend(destFileName));
            }
        }
    }

    extension(Path)
    {
        /// <summary>The path of <paramref name="path"/> from <paramref name="relativeTo"/>; case-insensitive on Windows, as the file system is.</summary>
        public static string GetRelativePath(string relativeTo, string path)
        {
            var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            var from = Segments(Path.GetFullPath(relativeTo));
            var to = Segments(Path.GetFullPath(path));
            if (!string.Equals(from[0], to[0], comparison))
            {
                return Path.GetFullPath(path);
            }
            var common = 0;
            while (common < from.Length && common < to.Length && string.Equals(from[common], to[common], comparison))
            {
                common++;
            }
            var parts = Enumerable.Repeat("..", from.Length - common).Concat(to.Skip(common)).ToArray();
            return parts.Length == 0 ? "." : string.Join(Path.DirectorySeparatorChar.ToString(), parts);
        }
    }

    extension(FileSystemInfo info)
    {
        /// <summary>Where the link points, or null when this is not a link.</summary>
        public string? LinkTarget => info.Exists || Directory.Exists(info.FullName) ? NativeFileApi.LinkTarget(info.FullName) : null;

        /// <summary>The file or folder the link leads to, or null when this is not a link.</summary>
        public FileSystemInfo? ResolveLinkTarget(bool returnFinalTarget)
        {
            var target = returnFinalTarget ? (info.LinkTarget is null ? null : NativeFileApi.FinalTarget(info.FullName)) : info.LinkTarget;
            return target is null ? null : Directory.Exists(target) ? new DirectoryInfo(target) : new FileInfo(target);
        }
    }

    private static string[] Segments(string fullPath) =>
        fullPath.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)
            .Split(new[] { Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar }, StringSplitOptions.None)
            .Select((segment, index) => index == 0 && segment.Length == 0 ? Path.DirectorySeparatorChar.ToString() : segment)
            .Where((segment, index) => index == 0 || segment.Length > 0)
            .ToArray();
}
