using System.Reflection;
using System.Runtime.Loader;

namespace Streamsend.PowerShell.Loading;

/// <summary>
/// The one load context that holds the engine and every managed dependency shipped in the module's lib folder
/// (Confluent.Kafka, AWSSDK.*, their System.* packages), so that another module loading other versions of them
/// into PowerShell's default context neither breaks us nor is broken by us.
/// </summary>
/// <remarks>
/// Pattern: PowerShell-Docs "Resolving PowerShell module assembly dependency conflicts" and
/// daxian-dbw/PowerShell-ALC-Samples. The cmdlet assembly stays in the default context (PowerShell must see its
/// cmdlets); the engine lives here, so everything the engine references resolves here too
/// (microsoft/winget-cli PR 3150). Native librdkafka is not handled here: the engine's LibrdkafkaNativeLoader
/// installs its own DllImportResolver.
/// The registration is static because what it registers is process-wide: an assembly is loaded once per context,
/// and the default context's Resolving event belongs to the process.
/// </remarks>
public sealed class DependencyLoadContext : AssemblyLoadContext
{
    private static readonly object RegistrationLock = new();
    private static DependencyLoadContext? registered;

    private readonly string libraryDirectory;
    private readonly HashSet<string> defaultContextReferences;

    private DependencyLoadContext(string directory, HashSet<string> defaultContextReferences)
        : base("Streamsend", isCollectible: false)
    {
        libraryDirectory = directory;
        this.defaultContextReferences = defaultContextReferences;
    }

    /// <summary>The folder this context loads from.</summary>
    public string LibraryDirectory => libraryDirectory;

    /// <summary>
    /// Makes the cmdlet assembly's references to assemblies in <paramref name="libDirectory"/> resolve in this context.
    /// Call before anything touches an engine type. Importing the module again is a no-op.
    /// </summary>
    /// <returns>The context, for diagnostics.</returns>
    public static DependencyLoadContext Register(string libDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(libDirectory);
        var fullPath = Path.TrimEndingDirectorySeparator(Path.GetFullPath(libDirectory));
        if (!Directory.Exists(fullPath))
        {
            throw new DirectoryNotFoundException($"Streamsend's dependency folder '{fullPath}' does not exist. Rebuild with 'dotnet pwsh ./build.ps1 Build'.");
        }

        lock (RegistrationLock)
        {
            if (registered is not null)
            {
                if (!string.Equals(registered.libraryDirectory, fullPath, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException(
                        $"Streamsend is already loaded in this process from '{registered.libraryDirectory}'; " +
                        $"it cannot also be loaded from '{fullPath}'. Start a new PowerShell session.");
                }
                return registered;
            }

            registered = new DependencyLoadContext(fullPath, ReferencesShippedIn(fullPath));
            Default.Resolving += registered.ResolveForDefaultContext;
            return registered;
        }
    }

    /// <summary>Loads a dependency of an assembly in this context from the lib folder; null defers to the default context (the framework, PowerShell).</summary>
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var path = ShippedPath(assemblyName);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    /// <summary>
    /// The default context could not find one of the cmdlet assembly's references (the engine): load it here.
    /// Only the cmdlet assembly's own references are answered, so a failed load by another module is never
    /// handed our copy of a shared library.
    /// </summary>
    private Assembly? ResolveForDefaultContext(AssemblyLoadContext context, AssemblyName assemblyName) =>
        assemblyName.Name is { } name && defaultContextReferences.Contains(name)
            ? LoadFromAssemblyName(assemblyName)
            : null;

    private string? ShippedPath(AssemblyName assemblyName)
    {
        if (string.IsNullOrEmpty(assemblyName.Name))
        {
            return null;
        }
        var path = Path.Combine(libraryDirectory, assemblyName.Name + ".dll");
        if (!File.Exists(path))
        {
            return null;
        }
        // A shipped file older than the one asked for (a System.* package the framework has outgrown) must not win.
        var shipped = AssemblyName.GetAssemblyName(path).Version;
        return assemblyName.Version is null || shipped is null || shipped >= assemblyName.Version ? path : null;
    }

    private static HashSet<string> ReferencesShippedIn(string directory) =>
        typeof(DependencyLoadContext).Assembly.GetReferencedAssemblies()
            .Select(reference => reference.Name)
            .OfType<string>()
            .Where(name => File.Exists(Path.Combine(directory, name + ".dll")))
            .ToHashSet(StringComparer.Ordinal);
}
