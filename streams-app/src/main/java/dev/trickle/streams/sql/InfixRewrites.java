package dev.trickle.streams.sql;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Puts parentheses around every PostgreSQL {@code x::type} cast before parsing. Calcite 1.42's babel
 * parser applies {@code ::} to everything on its left ({@code 1 + i::numeric * 2} parses as
 * {@code ((1 + i)::numeric) * 2}), while in PostgreSQL {@code ::} binds tighter than any operator.
 * The inserted parentheses never contain line breaks, so a position in the rewritten text maps back to
 * the original by counting the insertions before it on its line.
 */
final class InfixCasts {
    /** Words that continue a multi-word type name (double precision, timestamp(3) with time zone, ...). */
    private static final Set<String> TYPE_WORDS = Set.of("precision", "varying", "with", "without", "time", "zone");
    /** Words that may precede a parenthesized expression without being a function name. */
    private static final Set<String> KEYWORDS = Set.of("and", "or", "not", "in", "when", "then", "else", "select",
            "where", "on", "by", "case", "between", "is", "like", "ilike", "escape", "from", "distinct", "all", "any",
            "some", "exists", "values", "having", "as", "similar", "to", "symmetric", "asymmetric", "using", "return");
    /** Type names that prefix a typed literal: DATE '2024-01-01'. */
    private static final Set<String> LITERAL_TYPES = Set.of("date", "timestamp", "time", "interval");
    private static final Pattern POSITION = Pattern.compile("line (\\d+), column (\\d+)");

    private record Token(int start, int end, char kind) {
    }

    private final String original;
    private final String rewritten;
    /** Offsets, in the rewritten text, of the inserted parentheses (ascending). */
    private final List<Integer> inserted = new ArrayList<>();

    InfixCasts(String sql) {
        this.original = sql;
        List<Token> tokens = tokenize();
        int[] opens = new int[sql.length() + 1];
        int[] closes = new int[sql.length() + 1];
        // a chained cast (a::text::int) starts where the cast before it started
        Map<Integer, Integer> castStartByTypeEnd = new HashMap<>();
        for (int k = 1; k + 1 < tokens.size(); k++) {
            if (tokens.get(k).kind() == ':') {
                int start = castStartByTypeEnd.getOrDefault(k - 1, operandStart(tokens, k - 1));
                int end = typeEnd(tokens, k + 1);
                castStartByTypeEnd.put(end, start);
                opens[tokens.get(start).start()]++;
                closes[tokens.get(end).end()]++;
            }
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i <= sql.length(); i++) {
            for (int c = 0; c < closes[i]; c++) {
                inserted.add(b.length());
                b.append(')');
            }
            for (int o = 0; o < opens[i]; o++) {
                inserted.add(b.length());
                b.append('(');
            }
            if (i < sql.length()) {
                b.append(sql.charAt(i));
            }
        }
        this.rewritten = b.toString();
    }

    /** The query with each cast parenthesized. */
    String sql() {
        return rewritten;
    }

    /** A message about the rewritten text, with its "line L, column C" positions moved back to the original. */
    String originalPositions(String message) {
        if (message == null || inserted.isEmpty()) {
            return message;
        }
        Matcher m = POSITION.matcher(message);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            int line = Integer.parseInt(m.group(1));
            int column = Integer.parseInt(m.group(2));
            int lineStart = lineStart(line);
            int shift = (int) inserted.stream().filter(p -> p >= lineStart && p < lineStart + column - 1).count();
            m.appendReplacement(out, "line " + line + ", column " + Math.max(1, column - shift));
        }
        m.appendTail(out);
        return out.toString();
    }

    private int lineStart(int line) {
        int offset = 0;
        for (int l = 1; l < line; l++) {
            int nl = rewritten.indexOf('\n', offset);
            if (nl < 0) {
                break;
            }
            offset = nl + 1;
        }
        return offset;
    }

    /** The first token of the primary expression that ends with token {@code k}. */
    private int operandStart(List<Token> tokens, int k) {
        int i = k;
        char kind = tokens.get(i).kind();
        if (kind == ')' || kind == ']') {
            i = matching(tokens, i, -1);
            if (i > 0 && tokens.get(i - 1).kind() == 'w' && !KEYWORDS.contains(word(tokens.get(i - 1)))) {
                i--;
            }
        } else if (kind == 's' && i > 0 && tokens.get(i - 1).kind() == 'w' && LITERAL_TYPES.contains(word(tokens.get(i - 1)))) {
            i--;
        }
        while (i >= 2 && tokens.get(i - 1).kind() == '.' && tokens.get(i - 2).kind() == 'w') {
            i -= 2;
        }
        return i;
    }

    /** The last token of the type name that starts with token {@code k}. */
    private int typeEnd(List<Token> tokens, int k) {
        int i = k;
        while (true) {
            Token next = i + 1 < tokens.size() ? tokens.get(i + 1) : null;
            if (next == null) {
                return i;
            }
            if (next.kind() == '.' && i + 2 < tokens.size() && tokens.get(i + 2).kind() == 'w') {
                i += 2;
            } else if (next.kind() == '(' || next.kind() == '[') {
                i = matching(tokens, i + 1, 1);
            } else if (next.kind() == 'w' && TYPE_WORDS.contains(word(next))) {
                i++;
            } else {
                return i;
            }
        }
    }

    /** The bracket matching token {@code from}, searching in direction {@code step}. */
    private static int matching(List<Token> tokens, int from, int step) {
        int depth = 0;
        for (int i = from; i >= 0 && i < tokens.size(); i += step) {
            char kind = tokens.get(i).kind();
            boolean opens = step > 0 ? kind == '(' || kind == '[' : kind == ')' || kind == ']';
            boolean closes = step > 0 ? kind == ')' || kind == ']' : kind == '(' || kind == '[';
            if (opens) {
                depth++;
            } else if (closes && --depth == 0) {
                return i;
            }
        }
        return from;
    }

    private String word(Token t) {
        return original.substring(t.start(), t.end()).toLowerCase(Locale.ROOT);
    }

    /** Tokens without whitespace and comments: w word, number or quoted name; s string; ':' for ::; else the character. */
    private List<Token> tokenize() {
        String s = original;
        List<Token> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int start = i;
            if (Character.isWhitespace(c)) {
                i++;
            } else if (s.startsWith("--", i)) {
                int nl = s.indexOf('\n', i);
                i = nl < 0 ? s.length() : nl;
            } else if (s.startsWith("/*", i)) {
                int end = s.indexOf("*/", i + 2);
                i = end < 0 ? s.length() : end + 2;
            } else if (c == '\'' || c == '"') {
                i = quoted(s, i, c);
                out.add(new Token(start, i, c == '"' ? 'w' : 's'));
            } else if (Character.isLetterOrDigit(c) || c == '_') {
                i = wordEnd(s, i);
                boolean escapeString = i - start == 1 && (c == 'E' || c == 'e') && i < s.length() && s.charAt(i) == '\'';
                if (escapeString) {
                    i = quoted(s, i, '\'');
                }
                out.add(new Token(start, i, escapeString ? 's' : 'w'));
            } else if (s.startsWith("::", i)) {
                i += 2;
                out.add(new Token(start, i, ':'));
            } else {
                i++;
                out.add(new Token(start, i, c));
            }
        }
        return out;
    }

    /** End of a word or number (numbers may have a fraction and an exponent: 1.5e-3). */
    private static int wordEnd(String s, int i) {
        boolean number = Character.isDigit(s.charAt(i));
        int j = i;
        while (j < s.length()) {
            char c = s.charAt(j);
            if (Character.isLetterOrDigit(c) || c == '_' || c == '$' || (number && c == '.')) {
                j++;
            } else if (number && (c == '+' || c == '-') && (s.charAt(j - 1) == 'e' || s.charAt(j - 1) == 'E')) {
                j++;
            } else {
                return j;
            }
        }
        return j;
    }

    /** The end of a quoted string or name starting at {@code i}; doubled quotes stay inside. */
    private static int quoted(String s, int i, char quote) {
        int j = i + 1;
        while (j < s.length()) {
            if (s.charAt(j) == quote) {
                if (j + 1 < s.length() && s.charAt(j + 1) == quote) {
                    j += 2;
                    continue;
                }
                return j + 1;
            }
            j++;
        }
        return s.length();
    }
}
