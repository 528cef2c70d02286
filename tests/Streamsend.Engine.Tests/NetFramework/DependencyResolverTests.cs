using System.Reflection;
using System.Reflection.Emit;
using Streamsend.PowerShell.Loading;

namespace Streamsend.Engine.Tests.NetFramework;

/// <summary>
/// The AssemblyResolve handler that Windows PowerShell 5.1's import registers (Streamsend.psm1), run for real on the
/// .NET Framework build: under .NET Framework on Windows, under Mono elsewhere. The libraries it serves are made here
/// with Reflection.Emit, so that nothing else in the process has them.
/// </summary>
public sealed class DependencyResolverTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("streamsend-resolver-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void A_folder_whose_AWSSDK_would_clash_is_refused_then_ours_registers_and_serves_only_what_it_ships()
    {
        // Another release of AWSSDK.Core with the assembly version of the one this process loaded (AWSSDK keeps 4.0.0.0
        // for all of 4.x): .NET Framework would hand Streamsend the loaded one, so the import must stop, saying so.
        var clashing = Path.Combine(root, "clashing");
        var loaded = typeof(Amazon.Runtime.AmazonServiceException).Assembly.GetName().Version!;
        Emit(clashing, "AWSSDK.Core", loaded, fileVersion: "4.0.0.1");

        var refused = Assert.Throws<InvalidOperationException>(() => DependencyResolver.Register(clashing));
        Assert.Contains("AWSSDK.Core", refused.Message);
        Assert.Contains("4.0.0.1", refused.Message);
        Assert.Contains("new PowerShell session", refused.Message);

        // A lib folder with a library nobody else has: the binder does not find it, the handler loads it from there.
        var lib = Path.Combine(root, "lib");
        var name = "Streamsend.ResolverProbe" + Guid.NewGuid().ToString("N");
        Emit(lib, name, new Version(1, 2, 0, 0), fileVersion: "1.2.0.0");
        DependencyResolver.Register(lib);
        DependencyResolver.Register(lib);

        // Never a file older than the one asked for (asked before anything of that name is loaded, since a loaded
        // assembly without a strong name satisfies any version), and never an assembly the folder does not ship.
        Assert.ThrowsAny<IOException>(() => Assembly.Load(new AssemblyName(name) { Version = new Version(2, 0, 0, 0) }));
        Assert.ThrowsAny<IOException>(() => Assembly.Load("Streamsend.NotShipped"));
        var resolved = Assembly.Load(new AssemblyName(name) { Version = new Version(1, 0, 0, 0) });
        Assert.Equal(Path.Combine(lib, name + ".dll"), resolved.Location);
        // One module folder per session.
        var second = Assert.Throws<InvalidOperationException>(() => DependencyResolver.Register(clashing));
        Assert.Contains("already loaded in this session", second.Message);
    }

    private static void Emit(string folder, string name, Version version, string fileVersion)
    {
        Directory.CreateDirectory(folder);
        var builder = AppDomain.CurrentDomain.DefineDynamicAssembly(new AssemblyName(name) { Version = version }, AssemblyBuilderAccess.Save, folder);
        builder.SetCustomAttribute(new CustomAttributeBuilder(typeof(AssemblyFileVersionAttribute).GetConstructor(new[] { typeof(string) })!, new object[] { fileVersion }));
        builder.DefineDynamicModule(name, name + ".dll");
        builder.DefineVersionInfoResource();
        builder.Save(name + ".dll");
    }
}
