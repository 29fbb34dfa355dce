package dev.trickle.streams.operators.expr;

import dev.trickle.streams.rows.EvaluationException;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * A LIKE / ILIKE pattern with PostgreSQL's rules: {@code %} any sequence, {@code _} one character,
 * the escape character defaults to backslash ({@code ESCAPE ''} disables escaping), and a pattern may
 * not end with the escape character. ILIKE folds case per code point (see {@link PgStrings#lower}), or
 * only ASCII letters under a collation whose LC_CTYPE is C, as PostgreSQL does.
 */
public final class LikePattern {
    private final Pattern regex;
    /** ILIKE's case folding; null for LIKE. */
    private final UnaryOperator<String> fold;

    private LikePattern(Pattern regex, UnaryOperator<String> fold) {
        this.regex = regex;
        this.fold = fold;
    }

    /** @param escape null for the default (backslash), "" for none, else one character */
    public static LikePattern compile(String pattern, String escape, boolean caseInsensitive) throws EvaluationException {
        return compile(pattern, escape, caseInsensitive, false);
    }

    /** @param asciiCase ILIKE folds ASCII letters only (collation "C" or "POSIX") */
    public static LikePattern compile(String pattern, String escape, boolean caseInsensitive, boolean asciiCase)
            throws EvaluationException {
        UnaryOperator<String> fold = !caseInsensitive ? null : asciiCase ? PgStrings::lowerAscii : PgStrings::lower;
        int esc;
        if (escape == null) {
            esc = '\\';
        } else if (escape.isEmpty()) {
            esc = -1;
        } else if (escape.codePointCount(0, escape.length()) == 1) {
            esc = escape.codePointAt(0);
        } else {
            throw new EvaluationException("invalid escape string");
        }
        String p = fold == null ? pattern : fold.apply(pattern);
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < p.length(); ) {
            int c = p.codePointAt(i);
            i += Character.charCount(c);
            if (c == esc) {
                if (i >= p.length()) {
                    throw new EvaluationException("LIKE pattern must not end with escape character");
                }
                int next = p.codePointAt(i);
                i += Character.charCount(next);
                re.append(Pattern.quote(new String(Character.toChars(next))));
            } else if (c == '%') {
                re.append(".*");
            } else if (c == '_') {
                re.append('.');
            } else {
                re.append(Pattern.quote(new String(Character.toChars(c))));
            }
        }
        return new LikePattern(Pattern.compile(re.toString(), Pattern.DOTALL), fold);
    }

    public boolean matches(String s) {
        return regex.matcher(fold == null ? s : fold.apply(s)).matches();
    }
}
