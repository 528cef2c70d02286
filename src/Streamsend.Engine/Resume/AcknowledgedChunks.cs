using System.Buffers.Binary;
using System.IO.Hashing;

namespace Streamsend.Engine.Resume;

/// <summary>
/// Which chunks of one transfer Kafka acknowledged, and the fingerprint (XxHash3) of every chunk read so far: a
/// chunk's fingerprint is taken when it is read, its acknowledgement arrives later on librdkafka's thread. Only
/// acknowledged chunks go into a <see cref="ResumeState"/>.
/// </summary>
internal sealed class AcknowledgedChunks
{
    private readonly object gate = new();
    private readonly bool[] acknowledged;
    private readonly ulong[] fingerprints;
    private readonly int chunkSize;
    private readonly long length;
    private long acknowledgedBytes;
    private int acknowledgedCount;
    private int version;

    public AcknowledgedChunks(int chunkCount, int chunkSize, long length)
    {
        acknowledged = new bool[chunkCount];
        fingerprints = new ulong[chunkCount];
        this.chunkSize = chunkSize;
        this.length = length;
    }

    public int ChunkCount => acknowledged.Length;

    public long AcknowledgedBytes
    {
        get
        {
            lock (gate)
            {
                return acknowledgedBytes;
            }
        }
    }

    /// <summary>Grows with every acknowledgement: a saver compares it with what it saved last.</summary>
    public int Version => Volatile.Read(ref version);

    /// <summary>The fingerprint of a chunk's bytes: cheap (tens of GB/s), and enough to tell a changed chunk from the one sent.</summary>
    public static ulong Fingerprint(ReadOnlySpan<byte> chunk) => XxHash3.HashToUInt64(chunk);

    /// <summary>The acknowledged chunks and fingerprints of a saved state; throws <see cref="FormatException"/> when they do not fit the transfer.</summary>
    public static AcknowledgedChunks From(ResumeState state)
    {
        if (state.ChunkCount < 1 || state.ChunkSize < 1 || state.Length < 0 || Sending.ChunkSizing.ChunkCountOf(state.Length, state.ChunkSize) != state.ChunkCount)
        {
            throw new FormatException($"{state.ChunkCount} chunks of {state.ChunkSize} bytes do not make {state.Length} bytes");
        }
        var chunks = new AcknowledgedChunks(state.ChunkCount, state.ChunkSize, state.Length);
        var hashes = Convert.FromBase64String(state.ChunkHashes);
        var next = 0;
        var previousLast = -2;
        foreach (var range in state.Acknowledged)
        {
            if (range is not [var first, var last] || first <= previousLast + 1 || last < first || last >= state.ChunkCount || first < 0)
            {
                throw new FormatException("the acknowledged ranges are not ascending, apart and within the chunk count");
            }
            for (var index = first; index <= last; index++)
            {
                if (next + 8 > hashes.Length)
                {
                    throw new FormatException("fewer chunk fingerprints than acknowledged chunks");
                }
                chunks.Remember(index, BinaryPrimitives.ReadUInt64BigEndian(hashes.AsSpan(next, 8)));
                chunks.Acknowledge(index);
                next += 8;
            }
            previousLast = last;
        }
        if (next != hashes.Length)
        {
            throw new FormatException("more chunk fingerprints than acknowledged chunks");
        }
        if (chunks.AcknowledgedBytes != state.AcknowledgedBytes)
        {
            throw new FormatException($"the acknowledged chunks hold {chunks.AcknowledgedBytes} bytes, not {state.AcknowledgedBytes}");
        }
        return chunks;
    }

    public bool IsAcknowledged(int index)
    {
        lock (gate)
        {
            return acknowledged[index];
        }
    }

    public ulong FingerprintOf(int index)
    {
        lock (gate)
        {
            return fingerprints[index];
        }
    }

    /// <summary>Records the fingerprint of a chunk as it was read, before it is handed to Kafka.</summary>
    public void Remember(int index, ulong fingerprint)
    {
        lock (gate)
        {
            fingerprints[index] = fingerprint;
        }
    }

    public void Acknowledge(int index)
    {
        lock (gate)
        {
            if (acknowledged[index])
            {
                return;
            }
            acknowledged[index] = true;
            acknowledgedCount++;
            acknowledgedBytes += LengthOf(index);
            version++;
        }
    }

    /// <summary>The acknowledged chunks as ranges, their bytes and their fingerprints, as a <see cref="ResumeState"/> holds them.</summary>
    public (List<int[]> Ranges, long Bytes, string Fingerprints) Snapshot()
    {
        lock (gate)
        {
            var ranges = new List<int[]>();
            var hashes = new byte[acknowledgedCount * 8];
            var at = 0;
            for (var index = 0; index < acknowledged.Length; index++)
            {
                if (!acknowledged[index])
                {
                    continue;
                }
                if (ranges.Count > 0 && ranges[ranges.Count - 1][1] == index - 1)
                {
                    ranges[ranges.Count - 1][1] = index;
                }
                else
                {
                    ranges.Add(new[] { index, index });
                }
                BinaryPrimitives.WriteUInt64BigEndian(hashes.AsSpan(at, 8), fingerprints[index]);
                at += 8;
            }
            return (ranges, acknowledgedBytes, Convert.ToBase64String(hashes));
        }
    }

    private long LengthOf(int index) => Math.Min(chunkSize, length - (long)index * chunkSize);
}
