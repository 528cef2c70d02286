using Streamsend.Engine.Sinks;

namespace Streamsend.Engine.Tests.Sinks;

public class RelativePathPolicyTests
{
    [Theory]
    [InlineData("a.txt")]
    [InlineData("dir/sub/file with spaces.pdf")]
    [InlineData("ünïcødé/日本語.txt")]
    [InlineData(".hidden/.config")]
    [InlineData("CONSOLE.txt")]
    public void Plain_relative_paths_are_accepted(string path)
    {
        Assert.Equal(path.Split('/'), RelativePathPolicy.Segments(path));
    }

    [Theory]
    [InlineData("")]
    [InlineData("../escape.txt")]
    [InlineData("a/../../escape.txt")]
    [InlineData("/etc/passwd")]
    [InlineData("C:/Windows/win.ini")]
    [InlineData("c:evil")]
    [InlineData("\\\\server\\share\\x")]
    [InlineData("dir\\..\\x")]
    [InlineData("file.txt:stream")]
    [InlineData("CON")]
    [InlineData("nul.txt")]
    [InlineData("dir/COM1")]
    [InlineData("lpt9.log")]
    [InlineData("a//b")]
    [InlineData("a/./b")]
    [InlineData("bell\a.txt")]
    [InlineData("new\nline")]
    public void Paths_that_could_escape_the_destination_or_harm_it_are_refused(string path)
    {
        var error = Assert.Throws<StreamsendException>(() => RelativePathPolicy.Segments(path));
        Assert.Equal("UnsafeRelativePath", error.ErrorId);
        Assert.Equal(ErrorKind.SecurityError, error.Kind);
    }
}
