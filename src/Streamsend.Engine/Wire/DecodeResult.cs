namespace Streamsend.Engine.Wire;

/// <summary>The outcome of <see cref="WireCodec.Decode"/>: a class, and either a header or the reason it is malformed.</summary>
public sealed record DecodeResult(MessageClass Class, ChunkHeader? Header, string? Problem, string? ClaimedPath, string? ClaimedTransfer)
{
    /// <summary>Set instead of <see cref="Header"/> for a valid pack message.</summary>
    public PackHeader? Pack { get; init; }

    public static DecodeResult OkPack(PackHeader pack) => new(MessageClass.Valid, null, null, null, pack.PackId.ToString("N")) { Pack = pack };

    public static readonly DecodeResult Foreign = new(MessageClass.Foreign, null, null, null, null);

    public static DecodeResult Ok(ChunkHeader header) => new(MessageClass.Valid, header, null, header.RelativePath, header.TransferId.ToString("N"));

    public static DecodeResult Bad(string problem, string? path, string? transfer) => new(MessageClass.Malformed, null, problem, path, transfer);
}
