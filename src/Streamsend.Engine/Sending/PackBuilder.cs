using System.IO.Compression;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Sending;

/// <summary>
/// Fills one pack message with small files until its compressed size nears the chunk size. The body is written twice,
/// raw and deflated, so that content that does not shrink goes out stored, never bigger.
/// </summary>
internal sealed class PackBuilder : IDisposable
{
    /// <summary>Room kept for one entry's JSON header and DEFLATE's flush markers.</summary>
    private const int EntryOverhead = 1024;

    private readonly int capacity;
    private readonly MemoryStream raw = new();
    private readonly MemoryStream compressed = new();
    private readonly DeflateStream deflater;

    public PackBuilder(int capacity)
    {
        this.capacity = capacity;
        deflater = new DeflateStream(compressed, CompressionLevel.Fastest, leaveOpen: true);
    }

    public List<PackMember> Members { get; } = new();

    public bool HasRoomFor(int contentLength) =>
        Members.Count == 0 || (compressed.Length + contentLength + EntryOverhead <= capacity && raw.Length + contentLength + EntryOverhead <= PackBody.MaxBodyBytes);

    public void Add(PackMember member, byte[] content)
    {
        PackBody.WriteEntry(raw, member.TransferId, member.Request.RelativePath, member.LastWriteTimeUtc, member.Md5, content);
        PackBody.WriteEntry(deflater, member.TransferId, member.Request.RelativePath, member.LastWriteTimeUtc, member.Md5, content);
        // A sync flush makes compressed.Length exact, so the next HasRoomFor is honest.
        deflater.Flush();
        Members.Add(member);
    }

    public (byte[] Value, PackCompression Compression) Finish()
    {
        deflater.Dispose();
        return compressed.Length < raw.Length ? (compressed.ToArray(), PackCompression.Deflate) : (raw.ToArray(), PackCompression.None);
    }

    public void Dispose()
    {
        deflater.Dispose();
        raw.Dispose();
        compressed.Dispose();
    }
}

/// <summary>One file in a pack being built.</summary>
internal sealed record PackMember(SendRequest Request, Guid TransferId, long Length, DateTimeOffset LastWriteTimeUtc, string Md5);
