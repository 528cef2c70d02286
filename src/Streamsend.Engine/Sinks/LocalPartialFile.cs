using Streamsend.Engine.Platform;

namespace Streamsend.Engine.Sinks;

/// <summary>A file staged under the destination's staging folder until it is verified and renamed into place.</summary>
internal sealed class LocalPartialFile : IPartialFile
{
    /// <summary>
    /// Bytes written between two flushes to disk in the background. Landing must flush the whole file before the
    /// rename; flushing as it arrives leaves only the tail for that moment instead of the whole file, during which the
    /// receiver consumes nothing (256 MiB took 0.4-0.5 s on the benchmark machine).
    /// </summary>
    public const long BackgroundFlushBytes = 64L * 1024 * 1024;

    private readonly PositionalFile handle;
    private readonly string tempPath;
    private readonly IncomingFile file;
    private readonly LandedJournal journal;
    private readonly LocalLandingNames names;
    private bool finished;
    private long writtenSinceFlush;
    private Task flushing = Task.CompletedTask;

    private readonly KeptStaging kept;
    private readonly LandingDurability durability;

    public LocalPartialFile(PositionalFile handle, string tempPath, string finalPath, IncomingFile file, LandedJournal journal, LocalLandingNames names, KeptStaging kept, StagedProgress? keptProgress, LandingDurability durability)
    {
        this.kept = kept;
        this.durability = durability;
        Kept = keptProgress;
        this.journal = journal;
        this.names = names;
        this.handle = handle;
        this.tempPath = tempPath;
        this.file = file;
        FinalLocation = finalPath;
    }

    public string FinalLocation { get; }

    public StagedProgress? Kept { get; }

    /// <summary>Background flushes started so far.</summary>
    internal int BackgroundFlushes { get; private set; }

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        try
        {
            await handle.WriteAsync(data, offset, cancellationToken).ConfigureAwait(false);
            writtenSinceFlush += data.Length;
            if (writtenSinceFlush >= BackgroundFlushBytes && flushing.IsCompleted)
            {
                await flushing.ConfigureAwait(false);
                writtenSinceFlush = 0;
                BackgroundFlushes++;
                flushing = Task.Run(handle.FlushToDisk, CancellationToken.None);
            }
        }
        catch (IOException e)
        {
            throw new StreamsendException("DestinationWriteFailed", ErrorKind.WriteError, $"Cannot write '{FinalLocation}': {e.Message}", FinalLocation, e);
        }
    }

    public async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await handle.ReadAsync(buffer.Slice(filled), offset + filled, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new StreamsendException("StagedDataMissing", ErrorKind.InvalidData, $"The staged data of '{FinalLocation}' ended early at {offset + filled}.", FinalLocation);
            }
            filled += read;
        }
    }

    /// <summary>Never: a staged local file can be read back anywhere, so the receiver hashes it as it arrives, kept or not.</summary>
    public bool HashesItself => false;

    /// <summary>The staged file's MD5, read back from disk in 1 MiB blocks (the receiver does not ask: see <see cref="HashesItself"/>).</summary>
    public async ValueTask<string> HashStagedAsync(CancellationToken cancellationToken)
    {
        using var md5 = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.MD5);
        var block = new byte[1024 * 1024];
        for (long offset = 0; offset < file.Size; offset += block.Length)
        {
            var length = (int)Math.Min(block.Length, file.Size - offset);
            await ReadAsync(offset, block.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            md5.AppendData(block, 0, length);
        }
        return Convert.ToHexString(md5.GetHashAndReset()).ToLowerInvariant();
    }

    public async ValueTask<bool> CheckpointAsync(StagedProgress progress, CancellationToken cancellationToken)
    {
        await FlushToDiskAsync().ConfigureAwait(false);
        Landing(() => KeptStaging.WriteManifest(tempPath, file, progress));
        return true;
    }

    public async ValueTask<bool> KeepAsync(StagedProgress progress, CancellationToken cancellationToken)
    {
        if (finished)
        {
            return false;
        }
        await CheckpointAsync(progress, cancellationToken).ConfigureAwait(false);
        finished = true;
        handle.Dispose();
        Landing(() => kept.Store(tempPath));
        return true;
    }

    public async ValueTask<LandedObject> CommitAsync(string md5, CancellationToken cancellationToken)
    {
        try
        {
            await durability.StagedAsync(new[] { this }).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            // A failed syncfs is the file's landing failing: the land stage reports it and the offsets stay held.
            throw Failed(e);
        }
        var landed = Publish();
        Landing(() => durability.Published(new[] { Path.GetDirectoryName(landed.Location)! }, journal, new[] { Landed! }));
        names.Recorded(new[] { Landed! });
        return landed;
    }

    internal Guid TransferId => file.TransferId;

    /// <summary>What the landed journal records once this file is published: who sent it, and where it landed.</summary>
    internal LandedJournal.Landing? Landed { get; private set; }

    /// <summary>Every byte of this file on disk, by a flush of its own (<see cref="LandingDurability"/> decides whether landing asks for it).</summary>
    internal async ValueTask FlushToDiskAsync()
    {
        await BackgroundFlushAsync().ConfigureAwait(false);
        Landing(handle.FlushToDisk);
    }

    /// <summary>Waits for the flush started in the background while the file was written; throws when it failed.</summary>
    internal async ValueTask BackgroundFlushAsync()
    {
        try
        {
            await flushing.ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw Failed(e);
        }
    }

    /// <summary>The second step, once flushed: the file appears at its final location in one rename. The caller records it as landed.</summary>
    internal LandedObject Publish()
    {
        var (landedPath, landedRelative, warning) = (FinalLocation, file.RelativePath, (string?)null);
        Landing(() =>
        {
            handle.Dispose();
            File.SetLastWriteTimeUtc(LongPaths.Extend(tempPath), file.LastWriteTimeUtc.UtcDateTime);
            Directory.CreateDirectory(LongPaths.Extend(Path.GetDirectoryName(FinalLocation)!));
            // Files land side by side: choosing a name and taking it is one step, or two could take one name.
            lock (names)
            {
                (landedPath, landedRelative, warning) = names.Resolve(file, FinalLocation);
                if (Directory.Exists(LongPaths.Extend(landedPath)))
                {
                    throw new IOException($"a directory of that name exists");
                }
                File.Move(tempPath, landedPath, overwrite: true);
                names.Published(landedRelative, file.Sender);
            }
            finished = true;
            KeptStaging.DeleteQuietly(KeptStaging.ManifestPathOf(tempPath));
        });
        Landed = new LandedJournal.Landing(file.TransferId, file.Sender, landedRelative);
        return new LandedObject(landedPath, Warning: warning);
    }

    private void Landing(Action step)
    {
        try
        {
            step();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failed(e);
        }
    }

    internal StreamsendException Failed(Exception e) =>
        new("DestinationWriteFailed", ErrorKind.WriteError, $"Cannot land '{FinalLocation}': {e.Message}. It will be received again by the next run.", FinalLocation, e);

    public async ValueTask AbortAsync()
    {
        if (!finished)
        {
            finished = true;
            try
            {
                await flushing.ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The staged data is being thrown away: a failed flush of it does not matter.
            }
            handle.Dispose();
            // What cannot be deleted now, the next PrepareAsync sweeps.
            KeptStaging.DeleteQuietly(KeptStaging.ManifestPathOf(tempPath));
            KeptStaging.DeleteQuietly(tempPath);
        }
    }

    public ValueTask DisposeAsync() => AbortAsync();
}
