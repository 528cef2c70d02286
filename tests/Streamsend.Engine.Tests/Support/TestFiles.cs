using System.Security.Cryptography;

namespace Streamsend.Engine.Tests.Support;

/// <summary>A temporary folder with helpers to fill it and to compare trees by content.</summary>
public sealed class TestFiles : IDisposable
{
    public TestFiles() => Root = Directory.CreateTempSubdirectory("streamsend-test-").FullName;

    public string Root { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public string Write(string relative, long length, int seed = 1)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var random = new Random(seed);
        var buffer = new byte[Math.Min(length, 1 << 20)];
        using var stream = File.Create(path);
        for (long written = 0; written < length; written += buffer.Length)
        {
            random.NextBytes(buffer);
            stream.Write(buffer, 0, (int)Math.Min(buffer.Length, length - written));
        }
        return path;
    }

    public string WriteText(string relative, string text)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>
    /// A last write time as this runtime can stamp it on a file: to the 100 ns tick on .NET and .NET Framework; to the
    /// microsecond under Mono, whose SetLastWriteTimeUtc calls utimes(2).
    /// </summary>
    public static DateTime AsPrecisionStamped(DateTime lastWriteUtc) =>
        Type.GetType("Mono.Runtime") is null ? lastWriteUtc : new DateTime(lastWriteUtc.Ticks - lastWriteUtc.Ticks % 10, lastWriteUtc.Kind);

    /// <summary>The MD5 of a file, as lower-case hex: the form the wire format and <see cref="Hashes"/> use.</summary>
    public static string Md5Of(string path) => Convert.ToHexString(MD5.HashData(File.ReadAllBytes(path))).ToLowerInvariant();

    /// <summary>Relative path ('/') to MD5 of every file below <paramref name="directory"/>, except the receiver's state folder.</summary>
    public static Dictionary<string, string> Hashes(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(directory, f).StartsWith(Streamsend.Engine.Sinks.LocalDirectorySink.StateFolderName + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .ToDictionary(
                f => Path.GetRelativePath(directory, f).Replace(Path.DirectorySeparatorChar, '/'),
                Md5Of);

    /// <summary>Files left in the receiver's staging folder (none after a clean stop).</summary>
    public static string[] StagedLeftovers(string destination)
    {
        var staging = Path.Combine(destination, Streamsend.Engine.Sinks.LocalDirectorySink.StateFolderName, "partial");
        return Directory.Exists(staging) ? Directory.GetFiles(staging, "*", SearchOption.AllDirectories) : Array.Empty<string>();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
