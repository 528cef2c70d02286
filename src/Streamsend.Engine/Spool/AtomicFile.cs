namespace Streamsend.Engine.Spool;

/// <summary>
/// State files that a kill at any instant leaves either as they were or as they became, never half-written: the new
/// content goes to a temporary file beside the target, is flushed to disk, and is renamed over the target in one step.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Replaces <paramref name="path"/> with <paramref name="bytes"/>, creating its folder if needed.</summary>
    public static void Write(string path, byte[] bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes, 0, bytes.Length);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Removes the temporary files that writes of <paramref name="path"/> left when a kill interrupted them.</summary>
    public static void RemoveLeftovers(string path)
    {
        var folder = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(folder))
        {
            return;
        }
        foreach (var leftover in Directory.EnumerateFiles(folder, Path.GetFileName(path) + ".*.tmp"))
        {
            try
            {
                File.Delete(leftover);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another run may be writing it this moment; it renames or removes its own.
            }
        }
    }

    /// <summary>Moves an unreadable state file out of the way, keeping it for whoever wants to look, and returns where it went.</summary>
    public static string SetAside(string path)
    {
        var aside = $"{path}.unreadable-{DateTime.UtcNow:yyyyMMddHHmmss}";
        File.Move(path, aside, overwrite: true);
        return aside;
    }
}
