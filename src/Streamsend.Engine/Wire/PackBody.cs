using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Streamsend.Engine.Wire;

/// <summary>
/// The body of a pack message, after decompression: for each entry a 4-byte big-endian length, that many bytes of a
/// UTF-8 JSON object {"transfer","path","size","mtime","md5"}, then exactly "size" bytes of content.
/// Reading validates everything and is bounded: no claim can make the reader allocate more than <see cref="MaxBodyBytes"/>.
/// </summary>
public static class PackBody
{
    /// <summary>Largest decompressed body accepted (a pack is at most one chunk; this leaves room for any limit Kafka allows).</summary>
    public const int MaxBodyBytes = 64 * 1024 * 1024;

    private const int MaxEntryHeaderBytes = WireCodec.MaxPathBytes + 512;

    /// <summary>Appends one entry's framing and content.</summary>
    public static void WriteEntry(Stream body, Guid transferId, string relativePath, DateTimeOffset lastWriteTimeUtc, string md5, ReadOnlySpan<byte> content)
    {
        var header = JsonSerializer.SerializeToUtf8Bytes(new EntryJson
        {
            Transfer = transferId.ToString("N"),
            Path = relativePath,
            Size = content.Length,
            Mtime = lastWriteTimeUtc.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture),
            Md5 = md5,
        });
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, header.Length);
        body.Write(length);
        body.Write(header);
        body.Write(content);
    }

    /// <summary>
    /// Reads every entry. A body that cannot be framed at all throws <see cref="FormatException"/>; an entry whose own
    /// header is invalid comes back in <paramref name="rejected"/> with the reason, and its neighbours still come back.
    /// </summary>
    public static List<PackedEntry> Read(ReadOnlyMemory<byte> value, PackHeader pack, List<(string Path, string Problem)> rejected)
    {
        var body = pack.Compression == PackCompression.Deflate ? Inflate(value) : value;
        var entries = new List<PackedEntry>();
        var position = 0;
        while (position < body.Length)
        {
            if (body.Length - position < 4)
            {
                throw new FormatException("the pack ends inside an entry's length");
            }
            var headerLength = BinaryPrimitives.ReadInt32BigEndian(body.Span[position..]);
            position += 4;
            if (headerLength <= 0 || headerLength > MaxEntryHeaderBytes || headerLength > body.Length - position)
            {
                throw new FormatException($"an entry header claims {headerLength} bytes");
            }
            EntryJson? json;
            try
            {
                json = JsonSerializer.Deserialize<EntryJson>(body.Span.Slice(position, headerLength));
            }
            catch (JsonException e)
            {
                throw new FormatException($"an entry header is not valid JSON: {e.Message}");
            }
            position += headerLength;
            if (json is null || json.Size < 0 || json.Size > body.Length - position)
            {
                throw new FormatException($"an entry claims {json?.Size} bytes where {body.Length - position} remain");
            }
            var content = body.Slice(position, (int)json.Size);
            position += (int)json.Size;
            if (Validate(json) is { } problem)
            {
                rejected.Add((WireCodec.Printable(json.Path ?? "?"), problem));
                continue;
            }
            entries.Add(new PackedEntry(Guid.ParseExact(json.Transfer!, "N"), json.Path!, json.Size, DateTimeOffset.Parse(json.Mtime!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal), json.Md5!.ToLowerInvariant(), content));
        }
        if (entries.Count + rejected.Count != pack.EntryCount)
        {
            throw new FormatException($"the pack holds {entries.Count + rejected.Count} entries, its header says {pack.EntryCount}");
        }
        return entries;
    }

    private static string? Validate(EntryJson json)
    {
        if (json.Transfer is null || json.Transfer.Length != 32 || !Guid.TryParseExact(json.Transfer, "N", out _))
        {
            return "its transfer id is not 32 hex digits";
        }
        if (string.IsNullOrEmpty(json.Path) || Encoding.UTF8.GetByteCount(json.Path) > WireCodec.MaxPathBytes)
        {
            return "its path is empty or too long";
        }
        if (json.Mtime is null || !DateTimeOffset.TryParse(json.Mtime, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
        {
            return "its last-write time is not an ISO 8601 time";
        }
        if (json.Md5 is null || json.Md5.Length != 32 || !json.Md5.All(Uri.IsHexDigit))
        {
            return "its MD5 is not 32 hex digits";
        }
        return null;
    }

    private static ReadOnlyMemory<byte> Inflate(ReadOnlyMemory<byte> compressed)
    {
        // A received value is a pooled array: inflating from it in place spares a copy of up to a chunk.
        using var input = MemoryMarshal.TryGetArray(compressed, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(compressed.ToArray(), writable: false);
        using var inflater = new DeflateStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        try
        {
            while ((read = inflater.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (output.Length + read > MaxBodyBytes)
                {
                    throw new FormatException($"the pack inflates past {MaxBodyBytes} bytes");
                }
                output.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException e)
        {
            throw new FormatException($"the pack is not valid DEFLATE data: {e.Message}");
        }
        return output.GetBuffer().AsMemory(0, (int)output.Length);
    }

    private sealed class EntryJson
    {
        [System.Text.Json.Serialization.JsonPropertyName("transfer")]
        public string? Transfer { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("path")]
        public string? Path { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("size")]
        public long Size { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("mtime")]
        public string? Mtime { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("md5")]
        public string? Md5 { get; set; }
    }
}
