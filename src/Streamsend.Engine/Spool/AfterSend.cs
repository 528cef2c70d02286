using Streamsend.Engine.Platform;
using Streamsend.Engine.Events;

namespace Streamsend.Engine.Spool;

/// <summary>Deletes or archives a file that Kafka acknowledged in full.</summary>
public static class AfterSend
{
    public static void Apply(AfterSendAction action, string? archivePath, string fullPath, string relativePath, IEngineEventSink events)
    {
        switch (action)
        {
            case AfterSendAction.Delete:
                // Windows refuses to delete a read-only file; the operator asked for it to go once sent, as Remove-Item -Force would.
                var path = LongPaths.Extend(fullPath);
                var attributes = File.GetAttributes(path);
                if ((attributes & FileAttributes.ReadOnly) != 0)
                {
                    File.SetAttributes(path, attributes & ~FileAttributes.ReadOnly);
                }
                File.Delete(path);
                events.Verbose($"Deleted '{fullPath}' after Kafka acknowledged all of it.");
                break;
            case AfterSendAction.Move:
                var target = ArchiveTarget(archivePath!, relativePath);
                Directory.CreateDirectory(LongPaths.Extend(Path.GetDirectoryName(target)!));
                // A file of the same name sent earlier is replaced: the archive holds the latest version sent.
                File.Move(fullPath, target, overwrite: true);
                events.Verbose($"Moved '{fullPath}' to '{target}' after Kafka acknowledged all of it.");
                break;
        }
    }

    /// <summary>Where a file with this relative path goes in the archive; the relative path was checked when the file was picked up.</summary>
    public static string ArchiveTarget(string archivePath, string relativePath) =>
        Path.Combine(archivePath, relativePath.Replace('/', Path.DirectorySeparatorChar));
}
