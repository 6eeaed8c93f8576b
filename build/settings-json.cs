#nullable enable
// How build/settings.json is read and how a syntax error in it is reported: one rule for the build script
// (build/settings.cake loads this file) and the stm32boot tool (tools/Stm32Boot compiles it in, and its tests test
// it). No namespace: Cake loads it as script code, where namespaces are not allowed.
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

public static class SettingsJson
{
    /// <summary>Comments and trailing commas are allowed, as .NET configuration's JSON provider (which the build
    /// script's overrides go through) allows them.</summary>
    public static JsonDocumentOptions Options => new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>The settings text as a tree.</summary>
    /// <exception cref="FormatException">Not JSON: the message is <see cref="SyntaxError"/>'s.</exception>
    public static JsonNode Parse(string text, string source)
    {
        try
        {
            return JsonNode.Parse(text, documentOptions: Options) ?? throw new FormatException($"{source} line 1: the file is null, not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new FormatException(SyntaxError(source, e), e);
        }
    }

    /// <summary>"SOURCE line N: reason": System.Text.Json counts lines from 0 and appends its own "Path: ... |
    /// LineNumber: ... | BytePositionInLine: ..." to the reason, which an editor's 1-based line number replaces.</summary>
    public static string SyntaxError(string source, JsonException e)
    {
        var reason = Regex.Replace(e.Message, @"\s*(Path: \S*\s*\|\s*)?LineNumber: \d+ \| BytePositionInLine: \d+\.\s*$", "");
        return e.LineNumber is { } line
            ? $"{source} line {line + 1}: {reason} (column {e.BytePositionInLine + 1})"
            : $"{source}: {reason}";
    }
}
