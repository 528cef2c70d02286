using System.Text.RegularExpressions;

namespace Streamsend.Engine.Sinks;

/// <summary>
/// Decides whether a received relative path may be written at all. A path comes from the network, so it is hostile
/// until proven otherwise: it must stay inside the destination on every platform the file could later be copied to.
/// </summary>
public static partial class RelativePathPolicy
{
    /// <summary>The path's segments, or a <see cref="StreamsendException"/> saying why it is refused.</summary>
    public static string[] Segments(string relativePath)
    {
        if (string.IsNullOrEmpty(relativePath))
        {
            throw Refused(relativePath, "it is empty");
        }
        if (relativePath.Any(c => char.IsControl(c)))
        {
            throw Refused(relativePath, "it contains control characters");
        }
        if (relativePath.StartsWith('/') || relativePath.Contains('\\'))
        {
            throw Refused(relativePath, "it is absolute or uses '\\' (paths travel relative, with '/' separators)");
        }
        if (relativePath.Contains(':'))
        {
            throw Refused(relativePath, "it contains ':' (a drive letter or an NTFS alternate data stream)");
        }
        var segments = relativePath.Split('/');
        foreach (var segment in segments)
        {
            if (segment.Length == 0 || segment == "." || segment == "..")
            {
                throw Refused(relativePath, $"it has an empty, '.' or '..' segment");
            }
            if (WindowsReservedName.IsMatch(segment))
            {
                throw Refused(relativePath, $"'{segment}' is a reserved device name on Windows");
            }
            if (OperatingSystem.IsWindows() && (segment.EndsWith('.') || segment.EndsWith(' ') || segment.IndexOfAny(WindowsInvalidCharacters) >= 0))
            {
                throw Refused(relativePath, $"'{segment}' is not a valid Windows file name");
            }
        }
        return segments;
    }

    /// <summary>
    /// The segments of a path a file may land at: <see cref="Segments"/>, and never inside the receiver's own state
    /// folder (<see cref="LocalDirectorySink.StateFolderName"/>), which every sink keeps at the top of its destination.
    /// </summary>
    public static string[] LandingSegments(string relativePath)
    {
        var segments = Segments(relativePath);
        if (segments[0] == LocalDirectorySink.StateFolderName)
        {
            throw Refused(relativePath, $"'{LocalDirectorySink.StateFolderName}' is the receiver's own state folder (or key prefix)");
        }
        return segments;
    }

    private static readonly char[] WindowsInvalidCharacters = { '<', '>', '"', '|', '?', '*' };

    private static readonly Regex WindowsReservedName = new(@"^(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³]|CONIN\$|CONOUT\$)(\..*)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);

    private static StreamsendException Refused(string relativePath, string reason) =>
        new("UnsafeRelativePath", ErrorKind.SecurityError, $"Refused to write '{Wire.WireCodec.Printable(relativePath)}': {reason}. Nothing was written; the sender must use a plain relative path.", relativePath);
}
