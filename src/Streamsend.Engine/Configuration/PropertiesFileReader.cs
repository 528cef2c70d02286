using System.Globalization;
using System.Text;

namespace Streamsend.Engine.Configuration;

/// <summary>One key and value from a properties file, with the line it starts on (for error messages).</summary>
public sealed record PropertyEntry(string Key, string Value, int Line);

/// <summary>
/// Reads the Java <c>.properties</c> format that Kafka clients are configured with (java.util.Properties.load): '#' and
/// '!' comment lines, '=' or ':' or whitespace between key and value, backslash escapes including \uXXXX, and lines
/// continued by a trailing backslash. A later key replaces an earlier one, as in Java.
/// </summary>
public static class PropertiesFileReader
{
    public static IReadOnlyList<PropertyEntry> ReadFile(string path)
    {
        string text;
        try
        {
            // Java 9+ reads properties files as UTF-8 (ISO-8859-1 before); \u escapes cover the rest either way.
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StreamsendException("ConfigFileUnreadable", ErrorKind.ReadError, $"Cannot read the Kafka configuration file '{path}': {e.Message}", path, e);
        }
        return Parse(text, path);
    }

    public static IReadOnlyList<PropertyEntry> Parse(string text, string source = "properties")
    {
        var entries = new List<PropertyEntry>();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var firstLine = i + 1;
            var line = lines[i].TrimStart(' ', '\t', '\f');
            if (line.Length == 0 || line[0] is '#' or '!')
            {
                continue;
            }
            var logical = new StringBuilder();
            while (EndsWithContinuation(line) && i + 1 < lines.Length)
            {
                logical.Append(line, 0, line.Length - 1);
                line = lines[++i].TrimStart(' ', '\t', '\f');
            }
            logical.Append(EndsWithContinuation(line) ? line[..^1] : line);
            var (key, value) = Split(logical.ToString(), source, firstLine);
            entries.RemoveAll(e => e.Key == key);
            entries.Add(new PropertyEntry(key, value, firstLine));
        }
        return entries;
    }

    /// <summary>An odd number of trailing backslashes continues the line; an even number is escaped backslashes.</summary>
    private static bool EndsWithContinuation(string line)
    {
        var count = 0;
        for (var j = line.Length - 1; j >= 0 && line[j] == '\\'; j--)
        {
            count++;
        }
        return count % 2 == 1;
    }

    private static (string Key, string Value) Split(string line, string source, int lineNumber)
    {
        var keyEnd = 0;
        while (keyEnd < line.Length && !IsSeparator(line[keyEnd]))
        {
            keyEnd += line[keyEnd] == '\\' ? 2 : 1;
        }
        keyEnd = Math.Min(keyEnd, line.Length);
        var valueStart = keyEnd;
        while (valueStart < line.Length && line[valueStart] is ' ' or '\t' or '\f')
        {
            valueStart++;
        }
        if (valueStart < line.Length && line[valueStart] is '=' or ':')
        {
            valueStart++;
            while (valueStart < line.Length && line[valueStart] is ' ' or '\t' or '\f')
            {
                valueStart++;
            }
        }
        return (Unescape(line[..keyEnd], source, lineNumber), Unescape(line[valueStart..], source, lineNumber));
    }

    private static bool IsSeparator(char c) => c is '=' or ':' or ' ' or '\t' or '\f';

    private static string Unescape(string text, string source, int lineNumber)
    {
        if (!text.Contains('\\', StringComparison.Ordinal))
        {
            return text;
        }
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c != '\\' || i + 1 >= text.Length)
            {
                result.Append(c);
                continue;
            }
            var escaped = text[++i];
            switch (escaped)
            {
                case 't': result.Append('\t'); break;
                case 'n': result.Append('\n'); break;
                case 'r': result.Append('\r'); break;
                case 'f': result.Append('\f'); break;
                case 'u':
                    if (text.Length - i - 1 < 4
                        || !int.TryParse(text.AsSpan(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                    {
                        throw new StreamsendException(
                            "ConfigFileMalformed",
                            ErrorKind.InvalidArgument,
                            $"'{source}' line {lineNumber}: '\\u' must be followed by four hexadecimal digits.",
                            source);
                    }
                    result.Append((char)code);
                    i += 4;
                    break;
                default: result.Append(escaped); break;
            }
        }
        return result.ToString();
    }
}
