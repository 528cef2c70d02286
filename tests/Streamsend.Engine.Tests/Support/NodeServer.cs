using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Streamsend.Engine.Tests.Support;

/// <summary>
/// A Node.js server from a tools/ folder of the repository (tools/s3rver, tools/azurite), installed from its lock file
/// with 'npm ci' the first time, run on loopback until disposed. The fixtures of the object-store tests start theirs
/// through this.
/// </summary>
public sealed class NodeServer : IDisposable
{
    private readonly Process process;
    private readonly Action<Process> stop;

    private NodeServer(Process process, string address, Action<Process> stop)
    {
        this.process = process;
        Address = address;
        this.stop = stop;
    }

    /// <summary>What the ready line's first group matched: the server's URL.</summary>
    public string Address { get; }

    /// <summary>Installs the tool's packages if need be, starts <c>node script arguments...</c> and waits for a line matching <paramref name="ready"/>.</summary>
    /// <param name="stop">How to stop it; it is killed when that does not end it within 10 s.</param>
    public static NodeServer Start(string tool, string package, string script, IEnumerable<string> arguments, Regex ready, Action<Process> stop, IReadOnlyDictionary<string, string>? environment = null)
    {
        var directory = ToolDirectory(tool);
        if (!File.Exists(Path.Combine(directory, "node_modules", package, "package.json")))
        {
            Run(OperatingSystem.IsWindows() ? "npm.cmd" : "npm", directory, "ci", "--no-audit", "--no-fund");
        }
        var start = new ProcessStartInfo("node") { WorkingDirectory = directory, RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        var process = Process.Start(start)!;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var line = process.StandardOutput.ReadLineAsync();
            if (!line.Wait(deadline - DateTime.UtcNow) || line.Result is null)
            {
                break;
            }
            if (ready.Match(line.Result) is { Success: true } match)
            {
                // Keep reading, so a chatty server never blocks on a full pipe.
                _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
                return new NodeServer(process, match.Groups[1].Value, stop);
            }
        }
        process.Kill(entireProcessTree: true);
        throw new InvalidOperationException($"node {script} in {directory} did not start.");
    }

    public void Dispose()
    {
        stop(process);
        if (!process.WaitForExit(10_000))
        {
            process.Kill(entireProcessTree: true);
        }
        process.Dispose();
    }

    private static string ToolDirectory(string tool)
    {
        for (var current = new DirectoryInfo(AppContext.BaseDirectory); current is not null; current = current.Parent)
        {
            if (File.Exists(Path.Combine(current.FullName, "Streamsend.slnx")))
            {
                return Path.Combine(current.FullName, "tools", tool);
            }
        }
        throw new InvalidOperationException("The repository root (Streamsend.slnx) is not above the test assembly.");
    }

    private static void Run(string file, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(" ", arguments)} in {workingDirectory} failed with exit code {process.ExitCode}.");
        }
    }
}
