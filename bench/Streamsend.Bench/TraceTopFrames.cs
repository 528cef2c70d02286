using System.Text.Json;
using System.Text.RegularExpressions;

namespace Streamsend.Bench;

/// <summary>
/// `top-frames TRACE.speedscope.json [N]`: the frames that threads ran in most, from a dotnet-trace sampled-thread-time
/// trace converted to speedscope. That profile samples every managed thread whether it runs or waits (dotnet-trace's
/// CPU-sampling profile needs collect-linux and a kernel with user_events); samples whose innermost frame is a known
/// wait are left out here, so what remains approximates CPU: exclusive is the innermost managed frame, inclusive any
/// managed frame on the stack. Native work (librdkafka, the kernel's file writes) counts under the managed frame that
/// called it; librdkafka's own threads are not managed and are not sampled.
/// </summary>
public static partial class TraceTopFrames
{
    [GeneratedRegex(@"WaitHandle\.WaitOne|WaitOneNoCheck|SocketAsyncEngine\.EventLoop|WaitNative|WaitForSignal|Monitor\.Wait|Thread\.Sleep|SleepInternal|LowLevelSpinWaiter|Interop\+Sys\.(Poll|WaitForSocketEvents)\(|Sockets!Interop\+Sys\.Read\(|Librdkafka\.(consumer_poll|queue_poll|poll|flush)\(")]
    private static partial Regex Waiting();

    public static void Print(string speedscopePath, int top)
    {
        using var stream = File.OpenRead(speedscopePath);
        using var trace = JsonDocument.Parse(stream);
        var frames = trace.RootElement.GetProperty("shared").GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("name").GetString() ?? "?").ToArray();
        // Managed frames are "Module!Type.Method(...)"; the rest are the exporter's: the process and thread at the root,
        // and at the tip CPU_TIME (the thread ran managed code) or UNMANAGED_CODE_TIME (native code, or a wait in it);
        // "?!?" is a frame it could not name.
        var managed = frames.Select(name => name.Contains('!') && name != "?!?").ToArray();
        var waits = frames.Select(name => Waiting().IsMatch(name)).ToArray();
        var exclusive = new double[frames.Length];
        var inclusive = new double[frames.Length];
        double sampled = 0, running = 0;
        foreach (var thread in trace.RootElement.GetProperty("profiles").EnumerateArray())
        {
            var stack = new List<int>();
            var last = 0.0;
            foreach (var change in thread.GetProperty("events").EnumerateArray())
            {
                var at = change.GetProperty("at").GetDouble();
                var innermost = stack.FindLastIndex(frame => managed[frame]);
                if (innermost >= 0)
                {
                    var span = at - last;
                    sampled += span;
                    if (!waits[stack[innermost]])
                    {
                        running += span;
                        exclusive[stack[innermost]] += span;
                        foreach (var frame in stack.Where(frame => managed[frame]).Distinct())
                        {
                            inclusive[frame] += span;
                        }
                    }
                }
                last = at;
                var changed = change.GetProperty("frame").GetInt32();
                if (change.GetProperty("type").GetString() == "O")
                {
                    stack.Add(changed);
                }
                else
                {
                    stack.RemoveAt(stack.LastIndexOf(changed));
                }
            }
        }
        Console.WriteLine($"Thread time sampled in managed threads: {sampled / 1e3:F1} s, of which running (innermost managed frame not a wait): {running / 1e3:F1} s.");
        PrintTop("exclusive", exclusive, frames, running, top);
        PrintTop("inclusive", inclusive, frames, running, top);
    }

    private static void PrintTop(string kind, double[] times, string[] frames, double running, int top)
    {
        Console.WriteLine();
        Console.WriteLine($"| frame (top {top} by {kind} running time) | seconds | % of running |");
        Console.WriteLine("| --- | ---: | ---: |");
        foreach (var index in Enumerable.Range(0, frames.Length).OrderByDescending(i => times[i]).Take(top))
        {
            var name = frames[index].Length > 120 ? frames[index][..117] + "..." : frames[index];
            Console.WriteLine($"| {name.Replace("|", "\\|")} | {times[index] / 1e3:F2} | {times[index] / running:P1} |");
        }
    }
}
