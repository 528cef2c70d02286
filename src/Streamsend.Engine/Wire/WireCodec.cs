using System.Globalization;
using System.Text;
using Confluent.Kafka;

namespace Streamsend.Engine.Wire;

/// <summary>
/// Turns <see cref="ChunkHeader"/> into Kafka headers and back. The only place that knows header encoding;
/// everything after <see cref="Decode"/> works with validated values.
/// </summary>
public static class WireCodec
{
    /// <summary>Longest relative path accepted, in UTF-8 bytes (far above any file system's limit, far below a message).</summary>
    public const int MaxPathBytes = 8192;

    /// <summary>Largest file size a header may claim (1 PiB); larger claims are malformed, so none can make a receiver reserve it.</summary>
    public const long MaxFileSize = 1L << 50;

    private const int MaxSenderBytes = 256;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static Headers Encode(ChunkHeader header)
    {
        var headers = new Headers
        {
            { WireHeaders.Version, Text(WireHeaders.CurrentVersion.ToString(CultureInfo.InvariantCulture)) },
            { WireHeaders.Kind, Text(header.Kind.ToString().ToLowerInvariant()) },
            { WireHeaders.Transfer, Text(header.TransferId.ToString("N")) },
            { WireHeaders.Path, Text(header.RelativePath) },
            { WireHeaders.Sender, Text(header.Sender) },
            { WireHeaders.ChunkIndex, Text(header.ChunkIndex.ToString(CultureInfo.InvariantCulture)) },
            { WireHeaders.ChunkCount, Text(header.ChunkCount.ToString(CultureInfo.InvariantCulture)) },
            { WireHeaders.Offset, Text(header.Offset.ToString(CultureInfo.InvariantCulture)) },
            { WireHeaders.Size, Text(header.FileSize.ToString(CultureInfo.InvariantCulture)) },
            { WireHeaders.LastWriteTime, Text(header.LastWriteTimeUtc.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture)) },
        };
        if (header.Md5 is not null)
        {
            headers.Add(WireHeaders.Md5, Text(header.Md5));
        }
        if (header.Kind == MessageKind.Chunk)
        {
            headers.Add(WireHeaders.Distribution, Text(header.SpansPartitions ? "chunk" : "file"));
            if (header.Partitions is { } partitions)
            {
                headers.Add(WireHeaders.Partitions, Text(partitions.ToString(CultureInfo.InvariantCulture)));
            }
            headers.Add(WireHeaders.Attempt, Text(header.Attempt.ToString(CultureInfo.InvariantCulture)));
        }
        return headers;
    }

    /// <summary>The message key: the transfer id, so that all messages of a transfer share one key.</summary>
    public static byte[] Key(Guid transferId) => Text(transferId.ToString("N"));

    /// <summary>Bytes the headers and key of this chunk take on the wire (an upper bound), for sizing chunks.</summary>
    public static int EncodedOverhead(ChunkHeader header)
    {
        var total = 32;
        foreach (var h in Encode(header))
        {
            // name, value and the varint lengths around them
            total += Encoding.UTF8.GetByteCount(h.Key) + h.GetValueBytes().Length + 10;
        }
        return total + 64;
    }

    /// <summary>Classifies a message and, when it is ours, validates every header against <paramref name="valueLength"/>.</summary>
    public static DecodeResult Decode(Headers? headers, int valueLength)
    {
        if (headers is null || !headers.Any(h => h.Key.StartsWith(WireHeaders.Prefix, StringComparison.Ordinal)))
        {
            return DecodeResult.Foreign;
        }
        try
        {
            return TryRead(headers, WireHeaders.Kind) == "pack" ? DecodeResult.OkPack(ParsePack(headers)) : DecodeResult.Ok(Parse(headers, valueLength));
        }
        catch (FormatException e)
        {
            return DecodeResult.Bad(e.Message, Claimed(headers, WireHeaders.Path), Claimed(headers, WireHeaders.Transfer));
        }
    }

    public static Headers EncodePack(PackHeader pack) => new()
    {
        { WireHeaders.Version, Text(WireHeaders.CurrentVersion.ToString(CultureInfo.InvariantCulture)) },
        { WireHeaders.Kind, Text("pack") },
        { WireHeaders.Transfer, Text(pack.PackId.ToString("N")) },
        { WireHeaders.Sender, Text(pack.Sender) },
        { WireHeaders.Entries, Text(pack.EntryCount.ToString(CultureInfo.InvariantCulture)) },
        { WireHeaders.Compression, Text(pack.Compression.ToString().ToLowerInvariant()) },
    };

    private static PackHeader ParsePack(Headers headers)
    {
        var version = ReadInt(headers, WireHeaders.Version, 1, int.MaxValue);
        if (version > WireHeaders.CurrentVersion)
        {
            throw new FormatException($"format version {version} is newer than this Streamsend understands ({WireHeaders.CurrentVersion}); upgrade the receiver");
        }
        var packText = Read(headers, WireHeaders.Transfer);
        if (packText.Length != 32 || !Guid.TryParseExact(packText, "N", out var packId))
        {
            throw new FormatException($"pack id '{Printable(packText)}' is not 32 hex digits");
        }
        var compression = Read(headers, WireHeaders.Compression) switch
        {
            "none" => PackCompression.None,
            "deflate" => PackCompression.Deflate,
            var other => throw new FormatException($"unknown pack compression '{Printable(other)}'"),
        };
        return new PackHeader(packId, TryRead(headers, WireHeaders.Sender, MaxSenderBytes) ?? "", ReadInt(headers, WireHeaders.Entries, 1, 1_000_000), compression);
    }

    private static ChunkHeader Parse(Headers headers, int valueLength)
    {
        var version = ReadInt(headers, WireHeaders.Version, 1, int.MaxValue);
        if (version > WireHeaders.CurrentVersion)
        {
            throw new FormatException($"format version {version} is newer than this Streamsend understands ({WireHeaders.CurrentVersion}); upgrade the receiver");
        }
        var kindText = Read(headers, WireHeaders.Kind);
        var kind = kindText switch
        {
            "chunk" => MessageKind.Chunk,
            "abort" => MessageKind.Abort,
            _ => throw new FormatException($"unknown message kind '{Printable(kindText)}'"),
        };
        var transferText = Read(headers, WireHeaders.Transfer);
        if (transferText.Length != 32 || !Guid.TryParseExact(transferText, "N", out var transferId))
        {
            throw new FormatException($"transfer id '{Printable(transferText)}' is not 32 hex digits");
        }
        var path = Read(headers, WireHeaders.Path, MaxPathBytes);
        if (path.Length == 0)
        {
            throw new FormatException("the relative path is empty");
        }
        var sender = TryRead(headers, WireHeaders.Sender, MaxSenderBytes) ?? "";
        if (kind == MessageKind.Abort)
        {
            return new ChunkHeader(kind, transferId, path, sender, 0, 1, 0, 0, DateTimeOffset.UnixEpoch, null);
        }

        var size = ReadLong(headers, WireHeaders.Size, 0, MaxFileSize);
        var count = ReadInt(headers, WireHeaders.ChunkCount, 1, int.MaxValue);
        var index = ReadInt(headers, WireHeaders.ChunkIndex, 0, count - 1);
        var offset = ReadLong(headers, WireHeaders.Offset, 0, size);
        if (offset + valueLength > size)
        {
            throw new FormatException($"chunk {index} at offset {offset} with {valueLength} bytes runs past the file size {size}");
        }
        if (count > 1 && size > 0 && count > size)
        {
            throw new FormatException($"{count} chunks cannot make a file of {size} bytes");
        }
        var isLast = index == count - 1;
        if (isLast && offset + valueLength != size)
        {
            throw new FormatException($"the last chunk ends at {offset + valueLength}, not at the file size {size}");
        }
        if (!isLast && valueLength == 0)
        {
            throw new FormatException($"chunk {index} of {count} is empty");
        }
        var mtimeText = Read(headers, WireHeaders.LastWriteTime);
        if (!DateTimeOffset.TryParse(mtimeText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var mtime))
        {
            throw new FormatException($"last-write time '{Printable(mtimeText)}' is not an ISO 8601 time");
        }
        string? md5 = null;
        if (isLast)
        {
            md5 = Read(headers, WireHeaders.Md5).ToLowerInvariant();
            if (md5.Length != 32 || !md5.All(Uri.IsHexDigit))
            {
                throw new FormatException($"MD5 '{Printable(md5)}' is not 32 hex digits");
            }
        }
        var spansPartitions = TryRead(headers, WireHeaders.Distribution) switch
        {
            null or "file" => false,
            "chunk" => true,
            var other => throw new FormatException($"unknown distribution '{Printable(other)}'"),
        };
        return new ChunkHeader(kind, transferId, path, sender, index, count, offset, size, mtime, md5)
        {
            SpansPartitions = spansPartitions,
            Partitions = TryRead(headers, WireHeaders.Partitions) is null ? null : ReadInt(headers, WireHeaders.Partitions, 1, 1_000_000),
            Attempt = TryRead(headers, WireHeaders.Attempt) is null ? 1 : ReadInt(headers, WireHeaders.Attempt, 1, int.MaxValue),
        };
    }

    /// <summary>What a malformed message claims, for the error report only: never throws, never trusted.</summary>
    private static string? Claimed(Headers headers, string name) =>
        headers.TryGetLastBytes(name, out var bytes) && bytes is not null
            ? Printable(System.Text.Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 1024)))
            : null;

    private static byte[] Text(string value) => Encoding.UTF8.GetBytes(value);

    private static string Read(Headers headers, string name, int maxBytes = 64) =>
        TryRead(headers, name, maxBytes) ?? throw new FormatException($"header '{name}' is missing");

    private static string? TryRead(Headers headers, string name, int maxBytes = 64)
    {
        if (!headers.TryGetLastBytes(name, out var bytes) || bytes is null)
        {
            return null;
        }
        if (bytes.Length > maxBytes)
        {
            throw new FormatException($"header '{name}' is {bytes.Length} bytes long, more than the {maxBytes} allowed");
        }
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new FormatException($"header '{name}' is not valid UTF-8");
        }
    }

    private static int ReadInt(Headers headers, string name, int min, int max) => (int)ReadLong(headers, name, min, max);

    private static long ReadLong(Headers headers, string name, long min, long max)
    {
        var text = Read(headers, name);
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new FormatException($"header '{name}' is '{Printable(text)}', not a whole number from {min} to {max}");
        }
        return value;
    }

    /// <summary>Hostile values end up in error messages; keep control characters out of the user's console.</summary>
    internal static string Printable(string value)
    {
        var clipped = value.Length > 200 ? value[..200] + "…" : value;
        return new string(clipped.Select(c => char.IsControl(c) ? '?' : c).ToArray());
    }
}
