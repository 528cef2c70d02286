using System.Reflection;
using System.Runtime.InteropServices;

namespace Streamsend.Engine.Kafka;

/// <summary>
/// Finds and loads the librdkafka native build that fits this OS and CPU, from the files the module ships,
/// and makes every P/Invoke of "librdkafka" (Confluent.Kafka's and our own) resolve to that one handle.
/// </summary>
/// <remarks>
/// Why not Confluent.Kafka's own loading: a class-library build copies no native files, Library.Load(path)
/// fails on .NET 10 (it looks for libdl), and on Debian/Ubuntu the package's default linux-x64 build needs
/// libsasl2.so.3, which is often absent, while the centos8 build beside it is self-contained.
/// The handle is process-wide by nature (a native library is loaded once per process), hence static.
/// </remarks>
public static class LibrdkafkaNativeLoader
{
    private const string LibraryName = "librdkafka";
    private static readonly Lazy<IntPtr> LoadedHandle = new(LoadBestCandidate, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly object InstallLock = new();
    private static readonly HashSet<Assembly> AssembliesWithResolver = new();

    /// <summary>The loaded native library; loads it on first use.</summary>
    public static IntPtr Handle => LoadedHandle.Value;

    /// <summary>The file that was loaded, for diagnostics.</summary>
    public static string? LoadedPath { get; private set; }

    /// <summary>Routes "librdkafka" imports of Confluent.Kafka and of <paramref name="additional"/> to <see cref="Handle"/>.</summary>
    public static void EnsureInstalled(params Assembly[] additional)
    {
        lock (InstallLock)
        {
            foreach (var assembly in additional.Prepend(typeof(Confluent.Kafka.Library).Assembly))
            {
                if (AssembliesWithResolver.Add(assembly))
                {
                    NativeLibrary.SetDllImportResolver(assembly, Resolve);
                }
            }
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name.StartsWith(LibraryName, StringComparison.OrdinalIgnoreCase) || name.EndsWith(LibraryName, StringComparison.OrdinalIgnoreCase)
            ? Handle
            : IntPtr.Zero;

    private static IntPtr LoadBestCandidate()
    {
        var tried = new List<string>();
        foreach (var path in CandidatePaths().Distinct(StringComparer.Ordinal))
        {
            if (!File.Exists(path))
            {
                continue;
            }
            tried.Add(path);
            if (NativeLibrary.TryLoad(path, out var handle))
            {
                LoadedPath = path;
                return handle;
            }
        }
        throw new DllNotFoundException(
            $"No usable librdkafka native library for {RuntimeInformation.OSDescription} ({RuntimeInformation.ProcessArchitecture}). " +
            (tried.Count == 0
                ? $"None was found under {string.Join(", ", SearchDirectories())}. Rebuild the module with 'dotnet pwsh ./build.ps1 Build'."
                : $"Tried: {string.Join(", ", tried)}. Each failed to load (missing system libraries?)."));
    }

    /// <summary>Candidate files, best first, for this platform.</summary>
    internal static IEnumerable<string> CandidatePaths()
    {
        var fileNames = PlatformFileNames();
        foreach (var directory in SearchDirectories())
        {
            foreach (var rid in RuntimeIdentifiers())
            {
                foreach (var fileName in fileNames)
                {
                    yield return Path.Combine(directory, "runtimes", rid, "native", fileName);
                }
            }
            foreach (var fileName in fileNames)
            {
                yield return Path.Combine(directory, fileName);
            }
        }
    }

    private static IEnumerable<string> SearchDirectories()
    {
        var confluentDirectory = Path.GetDirectoryName(typeof(Confluent.Kafka.Library).Assembly.Location);
        var engineDirectory = Path.GetDirectoryName(typeof(LibrdkafkaNativeLoader).Assembly.Location);
        return new[] { confluentDirectory, engineDirectory, AppContext.BaseDirectory }
            .Where(d => !string.IsNullOrEmpty(d))
            .Select(d => d!)
            .Distinct(StringComparer.Ordinal);
    }

    private static IEnumerable<string> RuntimeIdentifiers()
    {
        var arch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.X86 => "x86",
            Architecture.Arm64 => "arm64",
            Architecture.S390x => "s390x",
            var other => other.ToString().ToLowerInvariant(),
        };
        if (OperatingSystem.IsWindows())
        {
            yield return $"win-{arch}";
        }
        else if (OperatingSystem.IsMacOS())
        {
            yield return $"osx-{arch}";
            yield return "osx";
        }
        else
        {
            yield return $"linux-{arch}";
        }
    }

    private static string[] PlatformFileNames()
    {
        if (OperatingSystem.IsWindows())
        {
            return new[] { "librdkafka.dll" };
        }
        if (OperatingSystem.IsMacOS())
        {
            return new[] { "librdkafka.dylib" };
        }
        // musl (Alpine) first where the runtime says so; otherwise the glibc default, then the self-contained centos8 build.
        return RuntimeInformation.RuntimeIdentifier.Contains("musl", StringComparison.OrdinalIgnoreCase)
            ? new[] { "alpine-librdkafka.so", "librdkafka.so", "centos8-librdkafka.so" }
            : new[] { "librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so" };
    }
}
