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

    public static void DeleteQuietly(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
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
}
