using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Streamsend.Engine.Platform;

/// <summary>
/// The few file-system calls .NET Framework does not expose: an atomic replacing rename and a link's final target.
/// Windows: kernel32. Mono on Linux and macOS (the tests): libc, which Mono's own configuration maps to libc.so.6.
/// </summary>
internal static class NativeFileApi
{
    private const uint MoveFileReplaceExisting = 0x1;
    private const uint MoveFileCopyAllowed = 0x2;
    private const uint MoveFileWriteThrough = 0x8;
    private const int CrossDeviceLink = 18; // EXDEV on Linux and macOS

    /// <summary>Renames <paramref name="source"/> to <paramref name="destination"/>, replacing it in one step where both share a volume.</summary>
    public static void MoveReplacing(string source, string destination)
    {
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            if (!MoveFileExW(LongPaths.Extend(source), LongPaths.Extend(destination), MoveFileReplaceExisting | MoveFileCopyAllowed | MoveFileWriteThrough))
            {
                throw IoFailure(Marshal.GetLastWin32Error(), source, destination);
            }
            return;
        }
        if (rename(source, destination) == 0)
        {
            return;
        }
        var error = Marshal.GetLastWin32Error();
        if (error != CrossDeviceLink)
        {
            throw IoFailure(error, source, destination);
        }
        // Another volume: copy beside the destination, then rename there, so the destination is never half-written.
        var beside = destination + "." + Guid.NewGuid().ToString("N") + ".moving";
        File.Copy(source, beside);
        if (rename(beside, destination) != 0)
        {
            var renameError = Marshal.GetLastWin32Error();
            File.Delete(beside);
            throw IoFailure(renameError, beside, destination);
        }
        File.Delete(source);
    }

    /// <summary>The final target of a link, or null when <paramref name="path"/> is not a link.</summary>
    public static string? LinkTarget(string path)
    {
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            var attributes = File.GetAttributes(LongPaths.Extend(path));
            return (attributes & FileAttributes.ReparsePoint) == 0 ? null : FinalPathOnWindows(path);
        }
        var buffer = new byte[4096];
        var length = readlink(path, buffer, (IntPtr)buffer.Length);
        if ((long)length < 0)
        {
            return null;
        }
        var target = Encoding.UTF8.GetString(buffer, 0, (int)length);
        return Path.IsPathRooted(target) ? target : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, target));
    }

    /// <summary>Follows every link in the chain to the final file or folder.</summary>
    public static string FinalTarget(string path)
    {
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            return FinalPathOnWindows(path);
        }
        var resolved = realpath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            throw IoFailure(Marshal.GetLastWin32Error(), path, null);
        }
        try
        {
            return Marshal.PtrToStringAnsi(resolved)!;
        }
        finally
        {
            free(resolved);
        }
    }

    private static string FinalPathOnWindows(string path)
    {
        const uint backupSemantics = 0x02000000; // opens folders too
        using var handle = CreateFileW(LongPaths.Extend(path), 0, FileShare.ReadWrite | FileShare.Delete, IntPtr.Zero, FileMode.Open, backupSemantics, IntPtr.Zero);
        if (handle.IsInvalid)
        {
            throw IoFailure(Marshal.GetLastWin32Error(), path, null);
        }
        var buffer = new StringBuilder(32768);
        var length = GetFinalPathNameByHandleW(handle, buffer, (uint)buffer.Capacity, 0);
        if (length == 0)
        {
            throw IoFailure(Marshal.GetLastWin32Error(), path, null);
        }
        var final = buffer.ToString();
        return final.StartsWith(@"\\?\UNC\", StringComparison.Ordinal) ? @"\\" + final.Substring(8)
            : final.StartsWith(@"\\?\", StringComparison.Ordinal) ? final.Substring(4)
            : final;
    }

    private static IOException IoFailure(int error, string path, string? other) =>
        new($"{new Win32Exception(error).Message}: '{path}'{(other is null ? "" : $" -> '{other}'")}", error);

    [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
    private static extern bool MoveFileExW(string existingFileName, string newFileName, uint flags);

    [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
    private static extern SafeFileHandle CreateFileW(string fileName, uint desiredAccess, FileShare shareMode, IntPtr securityAttributes, FileMode creationDisposition, uint flagsAndAttributes, IntPtr templateFile);

    [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
    private static extern uint GetFinalPathNameByHandleW(SafeFileHandle file, StringBuilder filePath, uint filePathLength, uint flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int rename(string oldPath, string newPath);

    [DllImport("libc", SetLastError = true)]
    private static extern IntPtr readlink(string path, byte[] buffer, IntPtr size);

    [DllImport("libc", SetLastError = true)]
    private static extern IntPtr realpath(string path, IntPtr resolved);

    [DllImport("libc")]
    private static extern void free(IntPtr pointer);
}
