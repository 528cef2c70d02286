using Streamsend.Engine.Platform;

namespace Streamsend.Engine.Spool;

/// <summary>
/// Asks the operating system whether another process holds a file open for writing. On Windows this is exact: opening
/// with FileShare.Read (deny writers) fails while any writer has the file open. On Linux and macOS .NET maps file sharing
/// to advisory flock() locks, so only writers that take an exclusive lock are seen (.NET's File.Create, a FileStream
/// opened with FileShare.None, flock(1)); for every other writer (cp, shell redirection, most tools) the settle check
/// (length and last write time unchanged for the settle time) is what keeps half-written files back.
/// </summary>
public static class WriterProbe
{
    public static bool IsOpenForWriting(string path)
    {
        try
        {
            using var probe = new FileStream(LongPaths.Extend(path), FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            return false;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
