using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Streamsend.Bench;

/// <summary>
/// Landing ceilings of the disk with the system's own tools and no Kafka: `cp -r` of a tree or `tar -x` of an
/// archive, then one `sync`, timed together. What the operating system's fastest way to make files durable gets.
/// </summary>
public static class SystemLanding
{
    /// <summary>One timed landing: the tool and the sync after it, and the CPU of both processes (null where it cannot be read).</summary>
    public sealed record Timing(DateTimeOffset Started, double Seconds, double SyncSeconds, double? ChildCpuSeconds);

    private static readonly string[] ToolFolders = ["/usr/bin", "/bin"];

    /// <summary>Why the ceilings cannot be measured here, or null when cp, tar and sync are all there.</summary>
    public static string? Unavailable =>
        OperatingSystem.IsWindows()
            ? "skipped: cp, tar and sync are measured on Linux and macOS only"
            : new[] { "cp", "tar", "sync" }.FirstOrDefault(tool => Tool(tool) is null) is { } missing
                ? $"skipped: no {missing} in {string.Join(" or ", ToolFolders)}"
                : null;

    /// <summary>
    /// Syncs what earlier steps left dirty, lands with <paramref name="land"/> and adds its Ceiling row to the table:
    /// files/s, MB/s, and the CPU of all processes (the tool's and sync's, and this one's meanwhile).
    /// </summary>
    public static ResultRow AddCeiling(BenchmarkContext context, string what, long bytes, int files, Func<Timing> land)
    {
        Sync();
        var timing = land();
        var row = new ResultRow("Ceiling", $"landing, no Kafka: {what}, then sync (sync {timing.SyncSeconds:F2} s)", bytes, timing.Seconds, null, null, null, null)
        {
            Files = files,
            AllProcessesCpuSeconds = timing.ChildCpuSeconds + context.ThisProcessCpu(timing.Started, timing.Started + TimeSpan.FromSeconds(timing.Seconds)),
        };
        context.Table.Add(row);
        return row;
    }

    /// <summary>`cp -r SOURCE DESTINATION`, then sync; DESTINATION must not exist yet.</summary>
    public static Timing CopyTree(string source, string destination) => RunThenSync("cp", "-r", source, destination);

    /// <summary>`tar -xf ARCHIVE -C DESTINATION`, then sync.</summary>
    public static Timing ExtractTar(string archive, string destination)
    {
        Directory.CreateDirectory(destination);
        return RunThenSync("tar", "-xf", archive, "-C", destination);
    }

    /// <summary>`tar -cf ARCHIVE -C FOLDER .`, untimed: the archive that <see cref="ExtractTar"/> lands.</summary>
    public static void CreateTar(string archive, string folder) => Run("tar", "-cf", archive, "-C", folder, ".");

    /// <summary>Writes back what earlier steps left dirty (where there is a sync), so that the next timed landing pays only for its own.</summary>
    public static void SettleDisk()
    {
        if (Unavailable is null)
        {
            Sync();
        }
    }

    private static void Sync() => Run("sync");

    private static Timing RunThenSync(string tool, params string[] arguments)
    {
        var cpu = ChildrenCpuSeconds();
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        Run(tool, arguments);
        var synced = clock.Elapsed;
        Run("sync");
        clock.Stop();
        return new Timing(started, clock.Elapsed.TotalSeconds, (clock.Elapsed - synced).TotalSeconds, ChildrenCpuSeconds() - cpu);
    }

    private static void Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(Tool(tool) ?? throw new InvalidOperationException(Unavailable)) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start.");
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} exited with {process.ExitCode}: {errors}");
        }
    }

    private static string? Tool(string name) =>
        ToolFolders.Select(folder => Path.Combine(folder, name)).FirstOrDefault(File.Exists);

    /// <summary>
    /// User and system CPU of every child this process has waited for (getrusage RUSAGE_CHILDREN), read before and
    /// after a tool runs: a process that has exited has no CPU time left to ask for. Linux only (the struct's layout).
    /// </summary>
    private static double? ChildrenCpuSeconds()
    {
        if (!OperatingSystem.IsLinux() || getrusage(RusageChildren, out var usage) != 0)
        {
            return null;
        }
        return usage.UserSeconds + usage.UserMicroseconds / 1e6 + usage.SystemSeconds + usage.SystemMicroseconds / 1e6;
    }

    private const int RusageChildren = -1;

    /// <summary>struct rusage on 64-bit Linux: two timevals, then fourteen longs this class does not read.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 144)]
    private struct ResourceUsage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, out ResourceUsage usage);
}
