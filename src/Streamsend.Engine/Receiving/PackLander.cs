using System.Security.Cryptography;
using Streamsend.Engine.Sinks;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Receiving;

/// <summary>
/// Lands the small files of one pack message, each verified against its own MD5 and landed atomically on its own,
/// so one bad entry never spoils its neighbours.
/// </summary>
internal static class PackLander
{
    /// <summary>What became of one entry.</summary>
    public sealed record Outcome(PackedEntry? Entry, LandedObject? Landed, StreamsendException? Error, bool AlreadyLanded);

    public static async IAsyncEnumerable<Outcome> LandAsync(
        IFileSink sink,
        PackHeader pack,
        byte[] value,
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
        foreach (var entry in entries)
        {
            yield return await LandEntryAsync(sink, pack, entry, seenRecently, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<Outcome> LandEntryAsync(IFileSink sink, PackHeader pack, PackedEntry entry, Func<Guid, bool> seenRecently, CancellationToken cancellationToken)
    {
        var incoming = new IncomingFile(entry.TransferId, entry.RelativePath, pack.Sender, entry.Size, entry.LastWriteTimeUtc);
        try
        {
            if (seenRecently(entry.TransferId) || await sink.WasLandedAsync(incoming, cancellationToken).ConfigureAwait(false))
            {
                return new Outcome(entry, null, null, AlreadyLanded: true);
            }
            var partial = await sink.BeginAsync(incoming, cancellationToken).ConfigureAwait(false);
            await using (partial.ConfigureAwait(false))
            {
                var actual = Convert.ToHexString(MD5.HashData(entry.Content.Span)).ToLowerInvariant();
                if (actual != entry.Md5)
                {
                    await partial.AbortAsync().ConfigureAwait(false);
                    return new Outcome(entry, null, new StreamsendException(
                        "ChecksumMismatch",
                        ErrorKind.InvalidData,
                        $"'{partial.FinalLocation}' failed verification and was not landed: the sender's MD5 is {entry.Md5}, the received bytes' MD5 is {actual}. Send the file again.",
                        partial.FinalLocation), false);
                }
                await partial.WriteAsync(0, entry.Content, cancellationToken).ConfigureAwait(false);
                var location = await partial.CommitAsync(entry.Md5, cancellationToken).ConfigureAwait(false);
                return new Outcome(entry, location, null, false);
            }
        }
        catch (StreamsendException e)
        {
            return new Outcome(entry, null, e, false);
        }
    }
}
