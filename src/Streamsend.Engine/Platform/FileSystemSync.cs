using System.Runtime.InteropServices;

namespace Streamsend.Engine.Platform;

/// <summary>
/// The durability calls .NET has no API for, on Linux and macOS: syncfs(2), which writes back everything dirty on one
/// file system and waits for it, and fsync(2) of a directory, which makes the names created or renamed in it survive a
/// power loss (a file's own flush covers its data, not its name). Windows needs neither: NTFS logs the rename with
/// the file's metadata, and FlushFileBuffers of the file is what makes it durable.
/// </summary>
internal static class FileSystemSync
{
    /// <summary>Whether <see cref="SyncFileSystemOf"/> exists here: syncfs is Linux's own.</summary>
    public static bool CanSyncWholeFileSystem => OperatingSystem.IsLinux();

    /// <summary>syncfs(2) of the file system that holds <paramref name="folder"/>: every file written on it so far is on the disk when it returns.</summary>
    public static void SyncFileSystemOf(string folder) => WithDescriptor(folder, descriptor => syncfs(descriptor), "syncfs");

    /// <summary>fsync(2) of a directory, so the renames into it are durable; nothing on Windows (see the class remarks).</summary>
    public static void FlushDirectory(string folder)
    {
        if (!OperatingSystem.IsWindows())
        {
            WithDescriptor(folder, descriptor => fsync(descriptor), "fsync");
        }
    }

    private static void WithDescriptor(string folder, Func<int, int> call, string name)
    {
        // O_RDONLY: a directory opens read-only on Linux and macOS alike, and the flag's value is 0 on both.
        var descriptor = open(folder, 0);
        if (descriptor < 0)
        {
            throw new IOException($"Cannot open '{folder}' to flush it: errno {Marshal.GetLastWin32Error()}.");
        }
        try
        {
            if (call(descriptor) != 0)
            {
                throw new IOException($"{name} of '{folder}' failed: errno {Marshal.GetLastWin32Error()}.");
            }
        }
        finally
        {
            close(descriptor);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int open(string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int syncfs(int descriptor);

    [DllImport("libc", SetLastError = true)]
    private static extern int fsync(int descriptor);

    [DllImport("libc")]
    private static extern int close(int descriptor);
}
