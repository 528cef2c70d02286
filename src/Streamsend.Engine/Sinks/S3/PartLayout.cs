namespace Streamsend.Engine.Sinks.S3;

/// <summary>
/// How a file is cut into multipart-upload parts: fixed byte ranges, independent of the sender's chunk size, so a
/// chunk may straddle two parts. S3 wants every part but the last to be at least 5 MiB and at most 10,000 parts.
/// A file that fits in one part goes up with a single PUT instead.
/// </summary>
internal sealed class PartLayout
{
    public const long MinimumPartSize = 8L << 20;
    public const int MaximumPartCount = 10_000;
    public const long MaximumObjectSize = 5L << 40;

    public PartLayout(long fileSize)
    {
        FileSize = fileSize;
        var perPart = Math.Max(MinimumPartSize, (fileSize + MaximumPartCount - 1) / MaximumPartCount);
        PartSize = (perPart + (1L << 20) - 1) >> 20 << 20;
        PartCount = fileSize == 0 ? 1 : (int)((fileSize + PartSize - 1) / PartSize);
    }

    public long FileSize { get; }

    public long PartSize { get; }

    public int PartCount { get; }

    public bool IsSinglePut => PartCount == 1;

    public long StartOf(int part) => part * PartSize;

    public int LengthOf(int part) => (int)(Math.Min(FileSize, (part + 1) * PartSize) - StartOf(part));

    public int PartAt(long offset) => (int)(offset / PartSize);
}
