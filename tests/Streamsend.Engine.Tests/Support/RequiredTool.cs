namespace Streamsend.Engine.Tests.Support;

/// <summary>
/// A program some tests need beside .NET (node for s3rver). Missing on a developer's machine (Windows without Node.js),
/// those tests are skipped with the reason; missing on Linux CI, where .ci/run installs it, it is a failure.
/// </summary>
public static class RequiredTool
{
    /// <summary>Null when <paramref name="name"/> is on the PATH; otherwise why the tests that need it are skipped.</summary>
    /// <exception cref="InvalidOperationException">It is missing on Linux CI.</exception>
    public static string? MissingReason(string name, string install)
    {
        var extensions = OperatingSystem.IsWindows() ? new[] { ".exe", ".cmd" } : new[] { "" };
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Where(f => f.Length > 0);
        if (folders.Any(folder => extensions.Any(extension => File.Exists(Path.Combine(folder, name + extension)))))
        {
            return null;
        }
        var reason = $"'{name}' is not on the PATH: install {install} to run these tests.";
        if (OperatingSystem.IsLinux() && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
        {
            throw new InvalidOperationException(reason + " On Linux CI it must be there.");
        }
        return reason;
    }
}
