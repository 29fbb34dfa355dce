package dev.trickle.core.pg;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Takes passwords out of PostgreSQL URLs, and out of text that quotes them, before they reach a log, an error
 * message, a REST response or a source offset. A URL may carry a password in two places, and both go:
 * the user info of a URI ({@code postgresql://alice:secret@host/db} becomes {@code postgresql://alice@host/db})
 * and the {@code password} and {@code sslpassword} parameters ({@code jdbc:postgresql://host/db?password=secret&ssl=true}
 * becomes {@code jdbc:postgresql://host/db?ssl=true}). Everything else is kept as it was, so that the result still
 * says which server and database it was about.
 */
public final class PgRedaction {
    /** {@code scheme://user:password@}: the password is everything from the first colon of the user info to the @. */
    private static final Pattern USER_INFO = Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://[^/@\\s:?#]*):[^@/\\s?#]*@");
    /** {@code ?password=...}, {@code &sslpassword=...} (JDBC also takes {@code ;} between properties). */
    private static final Pattern PARAM = Pattern.compile("(?i)([?&;])(?:ssl)?password=[^&;#\\s]*");

    private PgRedaction() {
    }

    /** {@code text} with every password of a PostgreSQL URL in it removed; "" for null. */
    public static String redact(String text) {
        if (text == null) {
            return "";
        }
        String out = USER_INFO.matcher(text).replaceAll(m -> Matcher.quoteReplacement(m.group(1)) + "@");
        Matcher m = PARAM.matcher(out);
        StringBuilder sb = new StringBuilder();
        int last = 0;
        while (m.find()) {
            sb.append(out, last, m.start());
            last = m.end();
            boolean first = m.group(1).equals("?");
            boolean more = last < out.length() && (out.charAt(last) == '&' || out.charAt(last) == ';');
            if (first && more) {
                sb.append('?'); // the next parameter becomes the first
                last++;
            }
        }
        sb.append(out, last, out.length());
        return sb.toString();
    }

    /** Whether {@code text} holds a password that {@link #redact} would remove. */
    public static boolean hasPassword(String text) {
        return text != null && !redact(text).equals(text);
    }
}
