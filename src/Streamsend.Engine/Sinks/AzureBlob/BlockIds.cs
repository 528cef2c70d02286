using System.Buffers.Binary;

namespace Streamsend.Engine.Sinks.AzureBlob;

/// <summary>
/// A staged block's id: base64 of the transfer id (16 bytes) and the block's offset in the file (8 bytes, big-endian),
/// 32 characters for every block, as Azure wants the ids of one blob to be of one length. The id is deterministic, so a
/// restarted receiver can tell from the blob's uncommitted block list which chunks of a transfer are already staged, and
/// it names the transfer, so blocks another transfer left under the same blob name are never taken for its own.
/// </summary>
internal static class BlockIds
{
    public const int Length = 32;

    public static string Of(Guid transferId, long offset)
    {
        var bytes = new byte[24];
        transferId.ToByteArray().CopyTo(bytes, 0);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(16), offset);
        return Convert.ToBase64String(bytes);
    }

    /// <summary>The transfer and offset of an id made by <see cref="Of"/>; false for any other id.</summary>
    public static bool TryParse(string id, out Guid transferId, out long offset)
    {
        transferId = Guid.Empty;
        offset = 0;
        if (id.Length != Length || id.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '+' or '/')))
        {
            return false;
        }
        var bytes = Convert.FromBase64String(id);
        transferId = new Guid(bytes.AsSpan(0, 16).ToArray());
        offset = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(16));
        return offset >= 0;
    }
}
