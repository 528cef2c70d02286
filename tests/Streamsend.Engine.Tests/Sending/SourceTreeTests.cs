using Streamsend.Engine.Sending;

namespace Streamsend.Engine.Tests.Sending;

public sealed class SourceTreeTests : IDisposable
{
    private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("streamsend-tree-");

    public void Dispose() => root.Delete(recursive: true);

    private string Touch(string relative)
    {
        var path = Path.Combine(root.FullName, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, relative);
        return path;
    }

    [Fact]
    public void A_directory_sends_its_whole_tree_relative_to_itself_with_slashes()
    {
        Touch("outbox/a.txt");
        Touch("outbox/sub/deeper/b.bin");
        Touch("outbox/.hidden");
        var requests = SourceTree.Expand(Path.Combine(root.FullName, "outbox"), null).ToList();
        Assert.Equal(new[] { ".hidden", "a.txt", "sub/deeper/b.bin" }, requests.Select(r => r.RelativePath).OrderBy(p => p, StringComparer.Ordinal));
    }

    [Fact]
    public void A_file_is_named_by_its_path_under_the_base_path_or_else_by_its_name()
    {
        var file = Touch("outbox/sub/c.txt");
        Assert.Equal("c.txt", SourceTree.Expand(file, null).Single().RelativePath);
        Assert.Equal("sub/c.txt", SourceTree.Expand(file, Path.Combine(root.FullName, "outbox")).Single().RelativePath);
    }

    [Fact]
    public void A_file_outside_the_base_path_is_refused_with_the_fix()
    {
        var file = Touch("elsewhere/d.txt");
        var error = Assert.Throws<StreamsendException>(() => SourceTree.Expand(file, Path.Combine(root.FullName, "outbox")).ToList());
        Assert.Equal("PathNotUnderBasePath", error.ErrorId);
        Assert.Contains("-BasePath", error.Message);
    }

    [Fact]
    public void A_missing_path_is_reported_as_not_found()
    {
        var error = Assert.Throws<StreamsendException>(() => SourceTree.Expand(Path.Combine(root.FullName, "nope"), null));
        Assert.Equal(ErrorKind.NotFound, error.Kind);
    }
}
