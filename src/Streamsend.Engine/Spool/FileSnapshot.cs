namespace Streamsend.Engine.Spool;

/// <summary>A file as one scan saw it: a file whose length or last write time moves between scans is still being written.</summary>
public sealed record FileSnapshot(string FullPath, string RelativePath, long Length, DateTime LastWriteUtc)
{
    /// <param name="fullPath">The path as the caller knows it: <paramref name="file"/> may have been opened by its extended-length form.</param>
    public static FileSnapshot Of(FileInfo file, string fullPath, string relativePath) => new(fullPath, relativePath, file.Length, file.LastWriteTimeUtc);

    public bool SameContentStamp(FileSnapshot other) => Length == other.Length && LastWriteUtc == other.LastWriteUtc;
}
