using Streamsend.Engine.Configuration;

namespace Streamsend.Engine.Tests.Configuration;

public class PropertiesFileReaderTests
{
    private static Dictionary<string, string> Parse(string text) =>
        PropertiesFileReader.Parse(text).ToDictionary(e => e.Key, e => e.Value);

    [Fact]
    public void Comments_with_hash_or_bang_and_blank_lines_are_skipped()
    {
        var parsed = Parse("# Required connection configs\n! also a comment\n\n   # indented comment\nacks=all\n");

        Assert.Equal(new Dictionary<string, string> { ["acks"] = "all" }, parsed);
    }

    [Fact]
    public void Equals_colon_and_whitespace_all_separate_key_from_value()
    {
        var parsed = Parse("a=1\nb:2\nc 3\nd = 4\ne\t:\t5\nf   =  six seven  \ng\n");

        Assert.Equal("1", parsed["a"]);
        Assert.Equal("2", parsed["b"]);
        Assert.Equal("3", parsed["c"]);
        Assert.Equal("4", parsed["d"]);
        Assert.Equal("5", parsed["e"]);
        Assert.Equal("six seven  ", parsed["f"]);
        Assert.Equal("", parsed["g"]);
    }

    [Fact]
    public void Escapes_in_keys_and_values_are_decoded()
    {
        var parsed = Parse(@"key\ with\ spaces=v
path=C:\\kafka\\ca.pem
tab=a\tb
colon\:key=x\=y
unicode=Gr\u00fc\u00DFe
other=\q
");

        Assert.Equal("v", parsed["key with spaces"]);
        Assert.Equal(@"C:\kafka\ca.pem", parsed["path"]);
        Assert.Equal("a\tb", parsed["tab"]);
        Assert.Equal("x=y", parsed["colon:key"]);
        Assert.Equal("Grüße", parsed["unicode"]);
        Assert.Equal("q", parsed["other"]);
    }

    [Fact]
    public void A_trailing_backslash_continues_the_line_and_the_next_line_loses_its_indent()
    {
        var parsed = Parse("sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule \\\r\n    required username='u' \\\n    password='p';\nnext=1\nescaped=ends with backslash\\\\\nafter=2\n");

        Assert.Equal("org.apache.kafka.common.security.plain.PlainLoginModule required username='u' password='p';", parsed["sasl.jaas.config"]);
        Assert.Equal("1", parsed["next"]);
        Assert.Equal(@"ends with backslash\", parsed["escaped"]);
        Assert.Equal("2", parsed["after"]);
    }

    [Fact]
    public void A_later_key_replaces_an_earlier_one_and_lines_are_numbered()
    {
        var entries = PropertiesFileReader.Parse("a=1\n# c\nb=2\na=3\n");

        Assert.Equal(new[] { "b", "a" }, entries.Select(e => e.Key));
        Assert.Equal(4, entries.Single(e => e.Key == "a").Line);
        Assert.Equal("3", entries.Single(e => e.Key == "a").Value);
    }

    [Fact]
    public void A_broken_unicode_escape_is_an_error_naming_the_line()
    {
        var error = Assert.Throws<StreamsendException>(() => PropertiesFileReader.Parse("ok=1\nbad=\\u12G4\n", "client.properties"));

        Assert.Equal("ConfigFileMalformed", error.ErrorId);
        Assert.Contains("line 2", error.Message);
    }
}
