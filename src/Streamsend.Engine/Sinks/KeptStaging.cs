namespace Streamsend.Engine.Sinks;

/// <summary>
/// The local sink's kept transfers: the staged <c>.part</c> file of an incomplete transfer and, beside it, a manifest
/// of what it durably holds (<see cref="StagedProgress"/>). A running receiver keeps both in its own staging folder;
/// when it stops, loses the transfer's partitions, or is found dead by another receiver, they move into this folder,
/// where any receiver of the destination takes them up again with one rename (so two never share one).
/// </summary>
internal sealed class KeptStaging
{
    private readonly string folder;

    public KeptStaging(string folder) => this.folder = folder;

    public static string ManifestPathOf(string partPath) => Path.ChangeExtension(partPath, ".json");

    /// <summary>Writes the manifest beside the staged data, atomically (a crash leaves the previous manifest or none).</summary>
    public static void WriteManifest(string partPath, IncomingFile file, StagedProgress progress)
    {
        var json = KeptManifest.ToJson(KeptManifest.Of(file, progress));
        var path = ManifestPathOf(partPath);
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(json, 0, json.Length);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Moves a transfer's staged data and manifest from a receiver's staging folder into the kept folder.</summary>
    public void Store(string partPath)
    {
        Directory.CreateDirectory(folder);
        var name = Path.GetFileName(partPath);
        // The data first: a manifest in the kept folder always has its data there.
        File.Move(partPath, Path.Combine(folder, name), overwrite: true);
        File.Move(ManifestPathOf(partPath), ManifestPathOf(Path.Combine(folder, name)), overwrite: true);
    }

    /// <summary>
    /// Takes up the kept data of <paramref name="file"/> into <paramref name="partPath"/>: its progress, or null when
    /// nothing of it is kept (or what is kept describes another file, which is then discarded).
    /// </summary>
    public StagedProgress? TryTake(IncomingFile file, string partPath)
    {
        var keptPart = PartPathOf(file.TransferId);
        var manifest = Read(ManifestPathOf(keptPart));
        if (manifest is null)
        {
            return null;
        }
        if (manifest.File != file)
        {
            Discard(file.TransferId);
            return null;
        }
        try
        {
            // The manifest first: once it is gone from here, no other receiver can take the data.
            File.Move(ManifestPathOf(keptPart), ManifestPathOf(partPath));
            File.Move(keptPart, partPath);
        }
        catch (IOException)
        {
            // Another receiver took it first.
            return null;
        }
        return manifest.ToProgress();
    }

    public List<KeptTransfer> List()
    {
        if (!Directory.Exists(folder))
        {
            return new List<KeptTransfer>();
        }
        return Directory.EnumerateFiles(folder, "*.json")
            .Select(Read)
            .Where(m => m is not null && File.Exists(PartPathOf(m.File.TransferId)))
            .Select(m => new KeptTransfer(m!.File, m.ToProgress()))
            .ToList();
    }

    public void Discard(Guid transferId)
    {
        var part = PartPathOf(transferId);
        DeleteQuietly(ManifestPathOf(part));
        DeleteQuietly(part);
    }

    public static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private string PartPathOf(Guid transferId) => Path.Combine(folder, $"{transferId:N}.part");

    /// <summary>A manifest that cannot be read is treated as absent: its transfer is received again from Kafka.</summary>
    private static KeptManifest? Read(string path)
    {
        try
        {
            return File.Exists(path) ? KeptManifest.FromJson<KeptManifest>(File.ReadAllBytes(path)) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
