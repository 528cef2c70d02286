using System.Globalization;

namespace Streamsend.Engine;

/// <summary>String, char and parsing members that .NET Core added and .NET Framework 4.7.2 lacks, with the same meaning.</summary>
internal static class StringPolyfills
{
    public static bool Contains(this string text, string value, StringComparison comparison) => text.IndexOf(value, comparison) >= 0;

    public static bool Contains(this string text, char value, StringComparison comparison) =>
        comparison == StringComparison.Ordinal ? text.IndexOf(value) >= 0 : text.IndexOf(value.ToString(), comparison) >= 0;

    public static bool StartsWith(this string text, char value) => text.Length > 0 && text[0] == value;

    public static bool EndsWith(this string text, char value) => text.Length > 0 && text[text.Length - 1] == value;

    public static string Replace(this string text, string oldValue, string? newValue, StringComparison comparison)
    {
        var found = text.IndexOf(oldValue, comparison);
        if (found < 0)
        {
            return text;
        }
        var result = new System.Text.StringBuilder(text.Length);
        var start = 0;
        while (found >= 0)
        {
            result.Append(text, start, found - start).Append(newValue);
            start = found + oldValue.Length;
            found = text.IndexOf(oldValue, start, comparison);
        }
        return result.Append(text, start, text.Length - start).ToString();
    }

    extension(char)
    {
        public static bool IsAsciiDigit(char c) => c is >= '0' and <= '9';

        public static bool IsAsciiLetterLower(char c) => c is >= 'a' and <= 'z';

        public static bool IsAsciiLetterOrDigit(char c) => c is >= '0' and <= '9' or >= 'a' and <= 'z' or >= 'A' and <= 'Z';
    }

    extension(int)
    {
        public static bool TryParse(ReadOnlySpan<char> text, NumberStyles style, IFormatProvider? provider, out int result) =>
            int.TryParse(text.ToString(), style, provider, out result);
    }
}
