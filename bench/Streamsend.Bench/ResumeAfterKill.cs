using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Streamsend.Bench;

/// <summary>
/// The resume row (issue 12): a sender with resume state, capped at a twentieth of the file per second so that the kill
/// lands near 60% (the state is saved once a second), killed with SIGKILL once its state shows 60% acknowledged; then
/// the same send again, uncapped, while a receiver lands the file; then a plain send of the whole file, which is what a
/// re-send without resume costs.
/// </summary>
public static class ResumeAfterKill
{
    public static async Task<ResumeRow> RunAsync(BenchmarkContext context, string big, string md5)
    {
        var settings = context.Settings;
        var bootstrap = context.Cluster.BootstrapServers;
        var topic = context.Topic(settings.RetentionPartitions);
        var plainTopic = context.Topic(settings.WidePartitions);
        var resumeFolder = context.WorkPath("resume");
        var rate = Math.Max(1L << 20, settings.BigFileBytes / 20).ToString(CultureInfo.InvariantCulture);
        var acknowledgedAtKill = 0L;
        var resumed = await StreamsendEndToEnd.RunAsync(context, topic, 1, md5, async () =>
        {
            using (var killed = ChildLauncher.Start("resumable-send", bootstrap, topic, big, resumeFolder, rate))
            {
                acknowledgedAtKill = await WaitForAcknowledgedAsync(resumeFolder, (long)(settings.BigFileBytes * 0.6), killed);
                killed.Kill();
                await killed.WaitForExitAsync();
            }
            return await ChildLauncher.RunAsync("resumable-send", bootstrap, topic, big, resumeFolder, "0");
        });
        WorkFiles.DeleteQuietly(resumeFolder);
        var plain = await ChildLauncher.RunAsync("send", bootstrap, plainTopic, big);
        return new ResumeRow(settings.BigFileBytes, acknowledgedAtKill, resumed.Sender.SentBytes, resumed.Sender.Seconds, resumed.Problem, plain.SentBytes, plain.Seconds, plain.WhatWentWrong);
    }

    /// <summary>The acknowledged bytes the child's resume state shows, once at least <paramref name="bytes"/>.</summary>
    private static async Task<long> WaitForAcknowledgedAsync(string resumeFolder, long bytes, Process child)
    {
        while (!child.HasExited)
        {
            foreach (var state in Directory.Exists(resumeFolder) ? Directory.GetFiles(resumeFolder, "*.json") : Array.Empty<string>())
            {
                try
                {
                    using var json = JsonDocument.Parse(File.ReadAllBytes(state));
                    var acknowledged = json.RootElement.GetProperty("acknowledgedBytes").GetInt64();
                    if (acknowledged >= bytes)
                    {
                        return acknowledged;
                    }
                }
                catch (IOException)
                {
                    // Replaced this instant: read it on the next look.
                }
            }
            await Task.Delay(20);
        }
        throw new InvalidOperationException($"The sender ended before {bytes} bytes were acknowledged.");
    }
}
