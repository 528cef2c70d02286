namespace Streamsend.Engine.Spool;

/// <summary>
/// The folder under which Streamsend keeps its state (the -Incremental journals) when no -StatePath is given, for
/// every account a scheduled task or service runs as: the account's local application data where it has a usable one
/// (a user; SYSTEM, whose is C:\Windows\System32\config\systemprofile\AppData\Local; a virtual or managed service
/// account, under C:\Windows\ServiceProfiles or its own profile), else the machine's ProgramData (a task started with
/// no loaded profile, whose profile folder does not exist and cannot be made), else the temporary folder.
/// </summary>
public static class StateRoot
{
    public static string Default() =>
        Choose(OperatingSystem.IsWindows(), folder => Environment.GetFolderPath(folder, Environment.SpecialFolderOption.DoNotVerify), CanCreate, Path.GetTempPath());

    /// <summary>The first usable of the candidates, in the order above; <paramref name="canCreate"/> says whether a folder can be made (or exists).</summary>
    internal static string Choose(bool windows, Func<Environment.SpecialFolder, string> folderOf, Func<string, bool> canCreate, string temporary)
    {
        var candidates = windows
            ? new[] { folderOf(Environment.SpecialFolder.LocalApplicationData), folderOf(Environment.SpecialFolder.CommonApplicationData) }
            : new[] { folderOf(Environment.SpecialFolder.LocalApplicationData) };
        foreach (var candidate in candidates)
        {
            if (IsFullPath(candidate, windows) && canCreate(Path.Combine(candidate, "Streamsend")))
            {
                return Path.Combine(candidate, "Streamsend");
            }
        }
        return Path.Combine(temporary, "Streamsend");
    }

    /// <summary>A relative answer (an unset variable gives one) would put the state in whatever the current folder is.</summary>
    private static bool IsFullPath(string folder, bool windows) =>
        windows
            ? folder.Length >= 3 && char.IsLetter(folder[0]) && folder[1] == ':' && folder[2] is '\\' or '/' || folder.StartsWith(@"\\", StringComparison.Ordinal)
            : folder.StartsWith("/", StringComparison.Ordinal);

    private static bool CanCreate(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
