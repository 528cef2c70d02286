using System.Security.Cryptography;
using Streamsend.Engine.Sinks;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Receiving;

/// <summary>
/// Lands the small files of one pack message, each verified against its own MD5 and landed atomically on its own,
/// so one bad entry never spoils its neighbours. Entries land in batches (<see cref="IFileSink.LandAllAsync"/>), so a
/// sink can share the flushes to disk between them; every entry of the pack has landed, or failed, when this returns.
/// Entries' contents are slices of the pack's value, so the caller keeps the value until the enumeration ends.
/// </summary>
internal static class PackLander
{
    /// <summary>Entries landed in one batch: bounds the files a sink holds open at once.</summary>
    public const int EntriesPerBatch = 64;

    /// <summary>What became of one entry.</summary>
    public sealed record Outcome(PackedEntry? Entry, LandedObject? Landed, StreamsendException? Error, bool AlreadyLanded);

    public static async IAsyncEnumerable<Outcome> LandAsync(
        IFileSink sink,
        PackHeader pack,
        ReadOnlyMemory<byte> value,
        Func<Guid, bool> seenRecently,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var rejected = new List<(string Path, string Problem)>();
        List<PackedEntry> entries;
        try
        {
            entries = PackBody.Read(value, pack, rejected);
        }
        catch (FormatException e)
        {
            entries = new List<PackedEntry>();
            rejected.Add(("?", $"the pack {pack.PackId:N} cannot be read: {e.Message}"));
        }
        foreach (var (path, problem) in rejected)
        {
            yield return new Outcome(null, null, new StreamsendException("MalformedMessage", ErrorKind.InvalidData, $"Skipped a packed file '{path}': {problem}.", path), false);
        }
        var inThisPack = new HashSet<Guid>();
        var batch = new List<(PackedEntry Entry, CompleteFile File)>(EntriesPerBatch);
        foreach (var entry in entries)
        {
            var incoming = new IncomingFile(entry.TransferId, entry.RelativePath, pack.Sender, entry.Size, entry.LastWriteTimeUtc);
            if (!inThisPack.Add(entry.TransferId) || seenRecently(entry.TransferId) || await sink.WasLandedAsync(incoming, cancellationToken).ConfigureAwait(false))
            {
                yield return new Outcome(entry, null, null, AlreadyLanded: true);
                continue;
            }
            var actual = Convert.ToHexString(MD5.HashData(entry.Content.Span)).ToLowerInvariant();
            if (actual != entry.Md5)
            {
                yield return new Outcome(entry, null, new StreamsendException(
                    "ChecksumMismatch",
                    ErrorKind.InvalidData,
                    $"'{entry.RelativePath}' failed verification and was not landed: the sender's MD5 is {entry.Md5}, the received bytes' MD5 is {actual}. Send the file again.",
                    entry.RelativePath), false);
                continue;
            }
            batch.Add((entry, new CompleteFile(incoming, entry.Content, entry.Md5)));
            if (batch.Count == EntriesPerBatch)
            {
                foreach (var outcome in await LandBatchAsync(sink, batch, cancellationToken).ConfigureAwait(false))
                {
                    yield return outcome;
                }
                batch.Clear();
            }
        }
        foreach (var outcome in await LandBatchAsync(sink, batch, cancellationToken).ConfigureAwait(false))
        {
            yield return outcome;
        }
    }

    private static async Task<IEnumerable<Outcome>> LandBatchAsync(IFileSink sink, List<(PackedEntry Entry, CompleteFile File)> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return Array.Empty<Outcome>();
        }
        var landings = await sink.LandAllAsync(batch.Select(b => b.File).ToList(), cancellationToken).ConfigureAwait(false);
        return batch.Zip(landings, (b, landing) => new Outcome(b.Entry, landing.Landed, landing.Error, false)).ToList();
    }
}
