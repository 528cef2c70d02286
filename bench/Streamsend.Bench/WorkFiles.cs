namespace Streamsend.Bench;

/// <summary>The benchmark's data in its work folder: random files written from a seed, and removed quietly afterwards.</summary>
public static class WorkFiles
{
    public static void WriteRandomFile(string path, long length, int seed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var random = new Random(seed);
        var buffer = new byte[Math.Min(length, 4 << 20)];
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1);
        for (long written = 0; written < length; written += buffer.Length)
        {
            random.NextBytes(buffer);
            stream.Write(buffer, 0, (int)Math.Min(buffer.Length, length - written));
        }
    }

    /// <summary>`write-files DIRECTORY COUNT BYTES`: the many-file tree of the benchmark, file-0000.bin onwards.</summary>
    public static void WriteManyFiles(string directory, int count, long bytes)
    {
        for (var i = 0; i < count; i++)
        {
            WriteRandomFile(Path.Combine(directory, $"file-{i:D4}.bin"), bytes, seed: 100 + i);
        }
    }

    /// <summary>The folder, beside a removed folder, where it waits for the end of the run (see <see cref="DeleteQuietly"/>).</summary>
    public const string RetiredFolderName = ".retired";

    /// <summary>
    /// Removes a file, or moves a folder out of the way: folders are deleted only with the whole work folder, when the
    /// run ends. On ext4, creating a file right after thousands were deleted scans the deleted inodes that are still
    /// too recent to reuse (recently_deleted, for minutes), which cost 0.3–0.8 ms per created file on the benchmark
    /// machine, ten times the creation itself; a row measured after another row's tree was deleted was slowed by the
    /// row before it, and the small-file rows measured the previous row rather than themselves.
    /// </summary>
    public static void DeleteQuietly(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                var retired = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, RetiredFolderName);
                Directory.CreateDirectory(retired);
                Directory.Move(path, Path.Combine(retired, Guid.NewGuid().ToString("N")));
            }
            else if (File.Exists(path))
            {
                File.Delete(path);
            }
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Deletes the whole work folder at the end of a run, retired folders and all.</summary>
    public static void DeleteWorkFolder(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }
}
