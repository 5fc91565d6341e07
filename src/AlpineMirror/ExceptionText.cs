namespace AlpineMirror;

/// <summary>An exception and its causes said on one line, for the one-line errors the host prints.</summary>
internal static class ExceptionText
{
    // "An error occurred while sending the request." alone says nothing: join the inner messages, on one line,
    // skipping those already said ("Connection refused (127.0.0.1:1)" wraps "Connection refused").
    public static string OneLine(Exception exception)
    {
        var messages = new List<string>();
        for (var current = exception; current is not null; current = current.InnerException)
        {
            var message = current.Message.ReplaceLineEndings(" ").Trim().TrimEnd('.');
            if (message.Length > 0 && !messages.Any(said => said.Contains(message, StringComparison.Ordinal)))
            {
                messages.Add(message);
            }
        }

        return string.Join(": ", messages);
    }
}
