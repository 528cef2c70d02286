using System.Diagnostics;

namespace Streamsend.Bench;

/// <summary>This process's CPU time and peak resident memory, as the kernel counts them.</summary>
public static class ProcessMeter
{
    public static TimeSpan CpuTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    /// <summary>
    /// Peak resident set size: VmHWM from /proc/self/status on Linux (what the kernel saw, native librdkafka buffers
    /// included), else the runtime's PeakWorkingSet64, which is the same thing on Windows.
    /// </summary>
    public static long PeakWorkingSetBytes()
    {
        const string status = "/proc/self/status";
        if (File.Exists(status))
        {
            foreach (var line in File.ReadLines(status))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var kib = line["VmHWM:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kib, System.Globalization.CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64;
    }
}
