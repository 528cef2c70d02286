using System.Diagnostics;

namespace Streamsend.Bench;

/// <summary>Starts this program again in a child mode and collects the one report it prints.</summary>
public static class ChildLauncher
{
    public static Task<ChildReport> RunAsync(params string[] arguments) => Task.Run(() => Run(arguments));

    /// <summary>Starts a child without waiting for it, for a caller that may kill it; its report is not read.</summary>
    public static Process Start(params string[] arguments)
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("The benchmark cannot find its own executable.");
        var start = new ProcessStartInfo(host) { UseShellExecute = false, RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(ChildLauncher).Assembly.Location);
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // Under `dotnet-trace collect -- ...` (bench/Profile-Receiver.ps1) this process has a diagnostic port that
        // suspends its runtime until the tracer connects; a child that inherited it would wait for ever.
        start.Environment.Remove("DOTNET_DiagnosticPorts");
        return Process.Start(start) ?? throw new InvalidOperationException("The child process did not start.");
    }

    private static ChildReport Run(string[] arguments)
    {
        var launched = DateTimeOffset.UtcNow;
        using var child = Start(arguments);
        ChildReport? report = null;
        var other = new List<string>();
        while (child.StandardOutput.ReadLine() is { } line)
        {
            if (ChildReport.TryParse(line) is { } parsed)
            {
                report = parsed;
            }
            else
            {
                other.Add(line);
            }
        }
        child.WaitForExit();
        return report is null
            ? throw new InvalidOperationException($"The child '{string.Join(' ', arguments)}' exited with {child.ExitCode} and no result. {string.Join(Environment.NewLine, other)}")
            : report with { LaunchedUnixMs = launched.ToUnixTimeMilliseconds() };
    }
}
