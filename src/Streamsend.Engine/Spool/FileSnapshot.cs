namespace Streamsend.Engine.Spool;

/// <summary>A file as one scan saw it: a file whose length or last write time moves between scans is still being written.</summary>
public sealed record FileSnapshot(string FullPath, string RelativePath, long Length, DateTime LastWriteUtc)
{
    public static FileSnapshot Of(FileInfo file, string relativePath) => new(file.FullName, relativePath, file.Length, file.LastWriteTimeUtc);

    public bool SameContentStamp(FileSnapshot other) => Length == other.Length && LastWriteUtc == other.LastWriteUtc;
}
