using System.Reflection;
using System.Runtime.InteropServices;
using Streamsend.Engine.Platform;

namespace Streamsend.Engine.Kafka;

/// <summary>
/// Finds and loads the librdkafka native build that fits this OS and CPU, from the files the module ships (never from
/// PATH), and makes Confluent.Kafka's and our own "librdkafka" imports use that one library. How a library is loaded
/// and bound differs by edition: see <see cref="LibrdkafkaBinding"/>.
/// </summary>
/// <remarks>
/// Why not Confluent.Kafka's own search: a class-library build copies no native files, Library.Load(path) fails on
/// .NET 10 (it looks for libdl), and on Debian/Ubuntu the package's default linux-x64 build needs libsasl2.so.3, which
/// is often absent, while the centos8 build beside it is self-contained.
/// The library is process-wide by nature (a native library is loaded once per process), hence static.
/// </remarks>
public static class LibrdkafkaNativeLoader
{
    private const string LibraryName = "librdkafka";
    private static readonly Lazy<string> Loaded = new(LoadBestCandidate, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly object InstallLock = new();
    private static readonly HashSet<Assembly> AssembliesBound = new();

    /// <summary>The file that was loaded, for diagnostics; loads it on first use.</summary>
    public static string LoadedPath => Loaded.Value;

    /// <summary>Routes "librdkafka" imports of Confluent.Kafka and of <paramref name="additional"/> to the loaded library.</summary>
    public static void EnsureInstalled(params Assembly[] additional)
    {
        lock (InstallLock)
        {
            foreach (var assembly in additional.Prepend(typeof(Confluent.Kafka.Library).Assembly))
            {
                if (AssembliesBound.Add(assembly))
                {
                    LibrdkafkaBinding.Route(assembly, IsLibrdkafka, () => Loaded.Value);
                }
            }
            _ = Loaded.Value;
        }
    }

    private static bool IsLibrdkafka(string name) =>
        name.StartsWith(LibraryName, StringComparison.OrdinalIgnoreCase) || name.EndsWith(LibraryName, StringComparison.OrdinalIgnoreCase);

    private static string LoadBestCandidate()
    {
        var failures = new List<string>();
        foreach (var path in CandidatePaths().Distinct(StringComparer.Ordinal))
        {
            if (!File.Exists(path))
            {
                continue;
            }
            var failure = LibrdkafkaBinding.TryLoad(path);
            if (failure is null)
            {
                return path;
            }
            failures.Add($"{path} ({failure})");
        }
        var expected = CandidatePaths().First();
        throw new DllNotFoundException(
            $"No usable librdkafka native library for {RuntimeInformation.OSDescription} ({RuntimeInformation.ProcessArchitecture}, {Edition.Name}). " +
            (failures.Count == 0
                ? $"Expected '{expected}', which does not exist: the module is incomplete. Reinstall it, or rebuild with 'dotnet pwsh ./build.ps1 Build'."
                : $"Tried: {string.Join("; ", failures)}."));
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

    /// <summary>The runtimes/ folder for this process: a 32-bit Windows PowerShell on 64-bit Windows loads win-x86.</summary>
    private static IEnumerable<string> RuntimeIdentifiers()
    {
        var arch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.X86 => "x86",
            Architecture.Arm64 => "arm64",
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
        return LibrdkafkaBinding.IsMusl
            ? new[] { "alpine-librdkafka.so", "librdkafka.so", "centos8-librdkafka.so" }
            : new[] { "librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so" };
    }
}
