namespace Streamsend.PowerShell.Loading;

/// <summary>
/// Which assemblies that another module already loaded would break Streamsend in a session with one load context
/// (Windows PowerShell 5.1). .NET Framework hands a module the copy already loaded whenever the identity (name and
/// assembly version) matches, so a copy of another file version is used in place of ours: AWSSDK keeps its assembly
/// version at 4.0.0.0 across all 4.x releases. Confluent.Kafka of any other version conflicts too, because its
/// librdkafka.dll is loaded once per process by name and ours would bind to theirs.
/// A different assembly version of any other library loads side by side with ours and is no conflict.
/// </summary>
public static class AssemblyConflicts
{
    /// <summary>Libraries of which one copy serves the whole process, whatever their version.</summary>
    private static readonly HashSet<string> OnePerProcess = new(StringComparer.OrdinalIgnoreCase) { "Confluent.Kafka" };

    public static IReadOnlyList<(ShippedAssembly Ours, LoadedAssembly Theirs)> Find(IEnumerable<ShippedAssembly> shipped, IEnumerable<LoadedAssembly> loaded)
    {
        var ours = shipped.ToDictionary(a => a.Name, StringComparer.OrdinalIgnoreCase);
        var conflicts = new List<(ShippedAssembly, LoadedAssembly)>();
        foreach (var theirs in loaded)
        {
            if (!ours.TryGetValue(theirs.Name, out var mine) || string.Equals(theirs.Location, mine.Path, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            var sameIdentity = theirs.Version == mine.Version;
            var sameFile = sameIdentity && string.Equals(theirs.FileVersion, mine.FileVersion, StringComparison.Ordinal);
            if ((sameIdentity && !sameFile) || (OnePerProcess.Contains(theirs.Name) && !sameFile))
            {
                conflicts.Add((mine, theirs));
            }
        }
        return conflicts;
    }

    /// <summary>What went wrong and the two ways out, naming each assembly and both versions.</summary>
    public static string Describe(IReadOnlyList<(ShippedAssembly Ours, LoadedAssembly Theirs)> conflicts)
    {
        var lines = conflicts.Select(c =>
            $"  {c.Ours.Name}: this session has {Describe(c.Theirs.FileVersion, c.Theirs.Version)} from '{c.Theirs.Location}'; Streamsend needs {Describe(c.Ours.FileVersion, c.Ours.Version)}.");
        return "Cannot import Streamsend: another module already loaded a version of a library Streamsend uses, and Windows PowerShell " +
            "holds one copy of it per session:" + Environment.NewLine +
            string.Join(Environment.NewLine, lines) + Environment.NewLine +
            "Start a new PowerShell session and import Streamsend before that module, or use PowerShell 7 (pwsh), where Streamsend " +
            "loads its own copies beside other modules'.";
    }

    private static string Describe(string fileVersion, Version assemblyVersion) =>
        string.IsNullOrEmpty(fileVersion) ? $"version {assemblyVersion}" : $"version {fileVersion} (assembly version {assemblyVersion})";
}
