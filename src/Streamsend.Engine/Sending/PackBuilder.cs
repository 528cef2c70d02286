using System.IO.Compression;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Sending;

/// <summary>
/// Fills one pack message with small files until its compressed size nears the chunk size. The body is written twice,
/// raw and deflated, so that content that does not shrink goes out stored, never bigger; once the first
/// <see cref="ProbeBytes"/> show that it hardly shrinks, the pack stops deflating and goes out stored.
/// </summary>
internal sealed class PackBuilder : IDisposable
{
    /// <summary>Room kept for one entry's JSON header and DEFLATE's flush markers.</summary>
    private const int EntryOverhead = 1024;

    /// <summary>Raw bytes after which a pack whose deflated copy is still above <see cref="WorthwhileRatio"/> of them stops deflating.</summary>
    public const int ProbeBytes = 256 * 1024;

    /// <summary>Deflating random bytes costs CPU for nothing; below this ratio the smaller message is worth it.</summary>
    private const double WorthwhileRatio = 0.9;

    private readonly int capacity;
    private readonly MemoryStream raw = new();
    private MemoryStream? compressed = new();
    private DeflateStream? deflater;

    public PackBuilder(int capacity)
    {
        this.capacity = capacity;
        deflater = new DeflateStream(compressed!, CompressionLevel.Fastest, leaveOpen: true);
    }

    public List<PackMember> Members { get; } = new();

    /// <summary>Whether the pack is still written deflated as well as raw.</summary>
    public bool IsDeflating => deflater is not null;

    public bool HasRoomFor(int contentLength) =>
        Members.Count == 0 || ((compressed ?? raw).Length + contentLength + EntryOverhead <= capacity && raw.Length + contentLength + EntryOverhead <= PackBody.MaxBodyBytes);

    public void Add(PackMember member, byte[] content)
    {
        PackBody.WriteEntry(raw, member.TransferId, member.Request.RelativePath, member.LastWriteTimeUtc, member.Md5, content);
        if (deflater is not null)
        {
            PackBody.WriteEntry(deflater, member.TransferId, member.Request.RelativePath, member.LastWriteTimeUtc, member.Md5, content);
            // A sync flush makes compressed.Length exact, so the next HasRoomFor is honest.
            deflater.Flush();
            // Stored from here on only if the raw body still fits the message: the capacity was checked against the deflated size.
            if (raw.Length >= ProbeBytes && compressed!.Length > raw.Length * WorthwhileRatio && raw.Length + EntryOverhead <= capacity)
            {
                StopDeflating();
            }
        }
        Members.Add(member);
    }

    public (byte[] Value, PackCompression Compression) Finish()
    {
        deflater?.Dispose();
        return compressed is not null && compressed.Length < raw.Length ? (compressed.ToArray(), PackCompression.Deflate) : (raw.ToArray(), PackCompression.None);
    }

    public void Dispose()
    {
        StopDeflating();
        raw.Dispose();
    }

    private void StopDeflating()
    {
        deflater?.Dispose();
        compressed?.Dispose();
        deflater = null;
        compressed = null;
    }
}

/// <summary>One file in a pack being built.</summary>
internal sealed record PackMember(SendRequest Request, Guid TransferId, long Length, DateTimeOffset LastWriteTimeUtc, string Md5);
