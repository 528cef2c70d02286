using Streamsend.Engine.Platform;

namespace Streamsend.Engine.Tests.Platform;

public sealed class LongPathsTests
{
    private static readonly string LongTail = string.Join(@"\", Enumerable.Repeat("a-folder-name-of-forty-characters-long-x", 7)) + @"\report.pdf";

    [Fact]
    public void A_long_local_Windows_path_gets_the_extended_length_prefix()
    {
        var path = @"D:\inbox\" + LongTail;

        Assert.True(path.Length > 260);
        Assert.Equal(@"\\?\" + path, LongPaths.Extend(path, windows: true));
    }

    [Fact]
    public void A_long_UNC_path_gets_the_extended_UNC_prefix()
    {
        var path = @"\\fileserver\share\inbox\" + LongTail;

        Assert.Equal(@"\\?\UNC\fileserver\share\inbox\" + LongTail, LongPaths.Extend(path, windows: true));
    }

    [Fact]
    public void Forward_slashes_of_a_long_path_become_backslashes_since_the_prefix_turns_off_normalisation()
    {
        var path = "D:/inbox/" + LongTail.Replace('\\', '/');

        Assert.Equal(@"\\?\D:\inbox\" + LongTail, LongPaths.Extend(path, windows: true));
    }

    [Theory]
    [InlineData(@"D:\inbox\short.pdf")]
    [InlineData(@"\\?\D:\already\extended")]
    public void Short_and_already_extended_paths_are_left_alone(string path) =>
        Assert.Equal(path, LongPaths.Extend(path, windows: true));

    [Fact]
    public void Paths_are_left_alone_off_Windows()
    {
        var path = "/data/inbox/" + LongTail.Replace('\\', '/');

        Assert.Equal(path, LongPaths.Extend(path, windows: false));
    }
}
