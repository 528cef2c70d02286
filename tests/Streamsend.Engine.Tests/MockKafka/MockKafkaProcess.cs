using System.Diagnostics;
using System.Text;

namespace Streamsend.Engine.Tests.MockKafka;

/// <summary>The Streamsend.MockKafka console tool as a child process, driven over its stdin/stdout protocol.</summary>
public sealed class MockKafkaProcess : IDisposable
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(15);
    private readonly Process process;
    private readonly StringBuilder errors = new();

    private MockKafkaProcess(Process process, string bootstrapServers)
    {
        this.process = process;
        BootstrapServers = bootstrapServers;
    }

    public string BootstrapServers { get; private set; }

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    /// <summary>Starts the tool that the build copies next to the test assembly, and waits for its BOOTSTRAP line.</summary>
    public static async Task<MockKafkaProcess> StartAsync(params string[] arguments)
    {
        var tool = Path.Combine(AppContext.BaseDirectory, "Streamsend.MockKafka.dll");
        var startInfo = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = new UTF8Encoding(false),
        };
        startInfo.ArgumentList.Add(tool);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        var started = new MockKafkaProcess(Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {tool}."), "");
        started.process.ErrorDataReceived += (_, e) =>
        {
            lock (started.errors)
            {
                started.errors.AppendLine(e.Data);
            }
        };
        started.process.BeginErrorReadLine();
        try
        {
            var line = await started.ReadLineAsync();
            started.BootstrapServers = line.StartsWith("BOOTSTRAP ", StringComparison.Ordinal)
                ? line["BOOTSTRAP ".Length..]
                : throw new InvalidOperationException($"Expected 'BOOTSTRAP <servers>', got '{line}'.");
            return started;
        }
        catch
        {
            started.Dispose();
            throw;
        }
    }

    /// <summary>Sends one command line and returns the reply line (OK or ERR ...).</summary>
    public async Task<string> SendAsync(string command)
    {
        await process.StandardInput.WriteLineAsync(command);
        await process.StandardInput.FlushAsync();
        return await ReadLineAsync();
    }

    public void CloseInput() => process.StandardInput.Close();

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            try
            {
                process.StandardInput.Close();
            }
            catch (IOException)
            {
            }
            if (!process.WaitForExit(5000))
            {
                process.Kill(entireProcessTree: true);
            }
        }
        process.Dispose();
    }

    private async Task<string> ReadLineAsync()
    {
        string? line;
        try
        {
            line = await process.StandardOutput.ReadLineAsync().WaitAsync(AnswerTimeout);
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"The mock Kafka tool did not answer within {AnswerTimeout}. {Errors()}");
        }
        return line ?? throw new InvalidOperationException($"The mock Kafka tool closed its output. {Errors()}");
    }

    private string Errors()
    {
        lock (errors)
        {
            return errors.Length == 0 ? "" : "Its errors: " + errors.ToString().Trim();
        }
    }

    /// <summary>The dotnet executable that runs these tests (a test host is started by one), else the one on PATH.</summary>
    private static string DotnetHost()
    {
        var current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return current;
        }
        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } fromSdk ? fromSdk : "dotnet";
    }
}
