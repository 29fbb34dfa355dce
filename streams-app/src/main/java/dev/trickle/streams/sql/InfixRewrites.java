package dev.trickle.streams.sql;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites PostgreSQL's two infix forms that Calcite 1.42's babel parser gets wrong, before parsing:
 * <ul>
 * <li>every {@code x::type} cast is put in parentheses: the parser applies {@code ::} to everything on its
 *     left ({@code 1 + i::numeric * 2} parses as {@code ((1 + i)::numeric) * 2}), while in PostgreSQL
 *     {@code ::} binds tighter than any operator;</li>
 * <li>{@code x COLLATE name} becomes {@code pg_collate(x, 'name')}: the parser only knows Calcite's own
 *     {@code COLLATE charset$locale} form. Like {@code ::}, COLLATE applies to the primary on its left;</li>
 * <li>{@code date_trunc(} becomes {@code pg_date_trunc(}: the parser's own DATE_TRUNC reads a column named like a
 *     unit ({@code day}) as that unit, and takes no third operand;</li>
 * <li>{@code x AT TIME ZONE z} becomes {@code pg_at_time_zone(x , z)}, the operand on its left a primary as for COLLATE;</li>
 * <li>PostgreSQL's {@code interval '1 day'} becomes the call {@code pg_interval('1 day')}, the word interval
 *     kept in a comment inside it: the parser only knows the SQL standard's {@code INTERVAL '1' DAY}.</li>
 * <li>a typed timestamp literal, {@code timestamptz '2024-03-10 00:00'}, {@code timestamp with time zone '...'},
 *     {@code timestamp '...'}, becomes the cast {@code ('...'::timestamptz)}, the type kept in a comment before it:
 *     the parser knows no timestamptz literal and takes a timestamp literal only as 'yyyy-MM-dd HH:mm:ss', while a
 *     cast reads the text as PostgreSQL does (under the stream table's TimeZone).</li>
 * <li>jsonb's operators {@code ->}, {@code ->>}, {@code #>}, {@code #>>}, {@code @>} and {@code ?} become calls
 *     ({@code j -> 'a'} is {@code pg_jsonb_get(j , 'a')}): left-associative, their operands the primaries
 *     next to them (with casts), so they bind tighter than comparisons, as in PostgreSQL.</li>
 * </ul>
 * The rewrite only inserts text without line breaks (the word COLLATE and the jsonb operators are
 * overwritten in place by a comma padded to their length), so a
 * position in the rewritten text maps back to the original by counting the insertions before it on its line.
 */
final class InfixRewrites {
    /** Words that continue a multi-word type name (double precision, timestamp(3) with time zone, ...). */
    private static final Set<String> TYPE_WORDS = Set.of("precision", "varying", "with", "without", "time", "zone");
    /** Words that may precede a parenthesized expression without being a function name. */
    private static final Set<String> KEYWORDS = Set.of("and", "or", "not", "in", "when", "then", "else", "select",
            "where", "on", "by", "case", "between", "is", "like", "ilike", "escape", "from", "distinct", "all", "any",
            "some", "exists", "values", "having", "as", "similar", "to", "symmetric", "asymmetric", "using", "return");
    /** The units of the SQL standard's interval literal: INTERVAL '3' DAY. */
    private static final Set<String> INTERVAL_UNITS = Set.of("year", "month", "day", "hour", "minute", "second");
    /** Type names that prefix a typed literal: DATE '2024-01-01'. */
    private static final Set<String> LITERAL_TYPES = Set.of("date", "timestamp", "timestamptz", "time", "interval");
    private static final Pattern POSITION = Pattern.compile("line (\\d+), column (\\d+)");
    /** What replaces the word COLLATE: the argument separator, padded to the word's length. */
    private static final String COLLATE_SEPARATOR = ",      ";

    private record Token(int start, int end, char kind) {
    }

    /** Text put around the original characters [start, end). */
    private record Wrap(int start, int end, String open, String close) {
    }

    private final String original;
    private final String rewritten;
    /** Offsets, in the rewritten text, of the inserted characters (ascending). */
    private final List<Integer> inserted = new ArrayList<>();

    InfixRewrites(String sql) {
        this.original = sql;
        List<Token> tokens = tokenize();
        List<Wrap> wraps = new ArrayList<>();
        // original offset -> text of the same length written over it (COLLATE, the jsonb operators)
        Map<Integer, String> overwrites = new HashMap<>();
        // a chained cast or collation (a::text::int, a COLLATE "C"::text) starts where the one before it started
        Map<Integer, Integer> startByEnd = new HashMap<>();
        for (int k = 1; k + 1 < tokens.size(); k++) {
            if (isAtTimeZone(tokens, k)) {
                // x AT TIME ZONE z becomes pg_at_time_zone(x , z): binds like COLLATE, tighter than arithmetic
                int end = operandEnd(tokens, k + 3);
                if (end >= 0) {
                    int start = startByEnd.getOrDefault(k - 1, operandStart(tokens, k - 1));
                    startByEnd.put(end, start);
                    wraps.add(new Wrap(tokens.get(start).start(), tokens.get(end).end(), "pg_at_time_zone(", ")"));
                    for (int w = k; w < k + 3; w++) {
                        int width = tokens.get(w).end() - tokens.get(w).start();
                        overwrites.put(tokens.get(w).start(), w == k ? "," + " ".repeat(width - 1) : " ".repeat(width));
                    }
                }
                k += 2;
                continue;
            }
            String function = jsonbOperator(tokens, k);
            if (function != null) {
                // left-associative, binding tighter than comparisons: j -> 'a' ->> 'b' = 'x'
                int width = operatorWidth(tokens, k);
                int end = operandEnd(tokens, k + width);
                if (end >= 0) {
                    int start = startByEnd.getOrDefault(k - 1, operandStart(tokens, k - 1));
                    startByEnd.put(end, start);
                    wraps.add(new Wrap(tokens.get(start).start(), tokens.get(end).end(), function + "(", ")"));
                    overwrites.put(tokens.get(k).start(), ("," + " ".repeat(width)).substring(0, width));
                }
                k += width - 1;
                continue;
            }
            boolean cast = tokens.get(k).kind() == ':';
            int end = cast ? typeEnd(tokens, k + 1) : collationNameEnd(tokens, k);
            if (end < 0) {
                continue;
            }
            int start = startByEnd.getOrDefault(k - 1, operandStart(tokens, k - 1));
            // a jsonb operator whose right operand ends with this cast keeps its wider start
            startByEnd.putIfAbsent(end, start);
            int from = tokens.get(start).start();
            int to = tokens.get(end).end();
            if (cast) {
                wraps.add(new Wrap(from, to, "(", ")"));
            } else {
                wraps.add(new Wrap(from, to, "pg_collate(", ")"));
                wraps.add(new Wrap(tokens.get(k + 1).start(), to, "'", "'"));
                overwrites.put(tokens.get(k).start(), COLLATE_SEPARATOR);
            }
        }
        for (int k = 0; k + 1 < tokens.size(); k++) {
            if (isDateTrunc(tokens, k)) {
                // the parser's DATE_TRUNC takes two operands and reads a second one named like a unit (a column
                // "day") as that unit: pg_date_trunc is an ordinary call, also with the zone as third operand
                wraps.add(new Wrap(tokens.get(k).start(), tokens.get(k).start(), "pg_", ""));
            }
            int literal = timestampLiteral(tokens, k);
            if (literal > k) {
                // timestamptz '...' becomes /*timestamptz*/('...'::timestamptz): insertions only, like the others
                String type = word(tokens.get(k)).equals("timestamptz") || word(tokens.get(k + 1)).equals("with")
                        ? "timestamptz" : "timestamp";
                wraps.add(new Wrap(tokens.get(k).start(), tokens.get(literal - 1).end(), "/*", "*/("));
                wraps.add(new Wrap(tokens.get(literal).start(), tokens.get(literal).end(), "", "::" + type + ")"));
            }
            if (isFreeFormInterval(tokens, k)) {
                // interval '1 day' becomes pg_interval(/*interval*/'1 day'): insertions only, like the others
                wraps.add(new Wrap(tokens.get(k).start(), tokens.get(k).end(), "pg_interval(/*", "*/"));
                wraps.add(new Wrap(tokens.get(k + 1).start(), tokens.get(k + 1).end(), "", ")"));
            }
        }
        this.rewritten = apply(wraps, overwrites);
    }

    /** A call {@code date_trunc(} at token {@code k}. */
    private boolean isDateTrunc(List<Token> tokens, int k) {
        return tokens.get(k).kind() == 'w' && word(tokens.get(k)).equals("date_trunc") && tokens.get(k + 1).kind() == '(';
    }

    /** The words AT TIME ZONE from token {@code k}, followed by an operand. */
    private boolean isAtTimeZone(List<Token> tokens, int k) {
        return k + 3 < tokens.size() && tokens.get(k).kind() == 'w' && word(tokens.get(k)).equals("at")
                && tokens.get(k + 1).kind() == 'w' && word(tokens.get(k + 1)).equals("time")
                && tokens.get(k + 2).kind() == 'w' && word(tokens.get(k + 2)).equals("zone");
    }

    /**
     * The string token of a typed timestamp literal whose type starts at token {@code k} ({@code timestamptz 's'},
     * {@code timestamp 's'}, {@code timestamp with[out] time zone 's'}), else -1. Not after {@code ::} or a dot.
     */
    private int timestampLiteral(List<Token> tokens, int k) {
        if (k + 1 >= tokens.size()) {
            return -1;
        }
        Token t = tokens.get(k);
        if (t.kind() != 'w' || k > 0 && (tokens.get(k - 1).kind() == ':' || tokens.get(k - 1).kind() == '.')) {
            return -1;
        }
        String w = word(t);
        if (!w.equals("timestamp") && !w.equals("timestamptz")) {
            return -1;
        }
        if (tokens.get(k + 1).kind() == 's') {
            return k + 1;
        }
        boolean zone = w.equals("timestamp") && k + 4 < tokens.size() && tokens.get(k + 1).kind() == 'w'
                && (word(tokens.get(k + 1)).equals("with") || word(tokens.get(k + 1)).equals("without"))
                && tokens.get(k + 2).kind() == 'w' && word(tokens.get(k + 2)).equals("time")
                && tokens.get(k + 3).kind() == 'w' && word(tokens.get(k + 3)).equals("zone") && tokens.get(k + 4).kind() == 's';
        return zone ? k + 4 : -1;
    }

    /** {@code interval 'text'} at token {@code k} without the SQL standard's unit after the text. */
    private boolean isFreeFormInterval(List<Token> tokens, int k) {
        Token t = tokens.get(k);
        if (t.kind() != 'w' || !word(t).equals("interval") || tokens.get(k + 1).kind() != 's') {
            return false;
        }
        return k + 2 >= tokens.size() || tokens.get(k + 2).kind() != 'w' || !INTERVAL_UNITS.contains(word(tokens.get(k + 2)));
    }

    /** The last token of the collation name after a COLLATE word at token {@code k}, else -1. */
    private int collationNameEnd(List<Token> tokens, int k) {
        Token t = tokens.get(k);
        if (t.kind() != 'w' || !word(t).equals("collate") || tokens.get(k + 1).kind() != 'w') {
            return -1;
        }
        int end = k + 1;
        while (end + 2 < tokens.size() && tokens.get(end + 1).kind() == '.' && tokens.get(end + 2).kind() == 'w') {
            end += 2;
        }
        // the name becomes a string literal: a quote inside it would end that early (no real collation has one)
        boolean quoted = original.substring(tokens.get(k + 1).start(), tokens.get(end).end()).indexOf('\'') >= 0;
        return quoted ? -1 : end;
    }

    /** The original text with the wraps inserted (inner ones close first, outer ones open first). */
    private String apply(List<Wrap> wraps, Map<Integer, String> overwrites) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i <= original.length(); i++) {
            int at = i;
            wraps.stream().filter(w -> w.end() == at).sorted(Comparator.comparingInt(Wrap::start).reversed())
                    .forEach(w -> insert(b, w.close()));
            wraps.stream().filter(w -> w.start() == at).sorted(Comparator.comparingInt(Wrap::end).reversed())
                    .forEach(w -> insert(b, w.open()));
            if (overwrites.containsKey(i)) {
                b.append(overwrites.get(i));
                i += overwrites.get(i).length() - 1;
            } else if (i < original.length()) {
                b.append(original.charAt(i));
            }
        }
        return b.toString();
    }

    private void insert(StringBuilder b, String text) {
        for (int c = 0; c < text.length(); c++) {
            inserted.add(b.length());
            b.append(text.charAt(c));
        }
    }

    /** The query with each cast parenthesized and each COLLATE a call. */
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
        } else if (kind == 's' && i >= 4 && timestampLiteral(tokens, i - 4) == i) {
            i -= 4;
        } else if (kind == 's' && i > 0 && tokens.get(i - 1).kind() == 'w' && LITERAL_TYPES.contains(word(tokens.get(i - 1)))) {
            i--;
        } else if (kind == 'w' && word(tokens.get(i)).equals("end")) {
            // CASE ... END::type casts the whole CASE
            i = caseStart(tokens, i);
        }
        while (i >= 2 && tokens.get(i - 1).kind() == '.' && tokens.get(i - 2).kind() == 'w') {
            i -= 2;
        }
        return i;
    }

    /**
     * The call that stands for the jsonb operator starting at token {@code k} ({@code ->}, {@code ->>},
     * {@code #>}, {@code #>>}, {@code @>}, {@code ?}), else null. The parser knows none of them.
     */
    private String jsonbOperator(List<Token> tokens, int k) {
        char c = tokens.get(k).kind();
        int width = operatorWidth(tokens, k);
        return switch (c) {
            case '-' -> width == 2 ? "pg_jsonb_get" : width == 3 ? "pg_jsonb_get_text" : null;
            case '#' -> width == 2 ? "pg_jsonb_path" : width == 3 ? "pg_jsonb_path_text" : null;
            case '@' -> width == 2 ? "pg_jsonb_contains" : null;
            case '?' -> "pg_jsonb_exists";
            default -> null;
        };
    }

    /** How many adjacent one-character tokens make the operator at {@code k}: '-', '#' or '@' then up to two '>'. */
    private static int operatorWidth(List<Token> tokens, int k) {
        char c = tokens.get(k).kind();
        if (c == '?') {
            return 1;
        }
        if (c != '-' && c != '#' && c != '@') {
            return 0;
        }
        int width = 1;
        while (width < (c == '@' ? 2 : 3) && k + width < tokens.size() && tokens.get(k + width).kind() == '>'
                && tokens.get(k + width).start() == tokens.get(k + width - 1).end()) {
            width++;
        }
        return width;
    }

    /** The last token of the operand starting at token {@code i} (a primary, with its casts), else -1. */
    private int operandEnd(List<Token> tokens, int i) {
        if (i >= tokens.size()) {
            return -1;
        }
        Token t = tokens.get(i);
        int end = i;
        if (t.kind() == '(' || t.kind() == '[') {
            end = matching(tokens, i, 1);
        } else if (t.kind() == '-' && i + 1 < tokens.size() && tokens.get(i + 1).kind() == 'w') {
            end = i + 1;
        } else if (t.kind() == 'w') {
            boolean call = i + 1 < tokens.size() && (tokens.get(i + 1).kind() == '(' || tokens.get(i + 1).kind() == '[');
            if (call) {
                end = matching(tokens, i + 1, 1);
            } else if (timestampLiteral(tokens, i) > i) {
                end = timestampLiteral(tokens, i);
            } else if (LITERAL_TYPES.contains(word(t)) && i + 1 < tokens.size() && tokens.get(i + 1).kind() == 's') {
                end = i + 1;
            }
            while (end + 2 < tokens.size() && tokens.get(end + 1).kind() == '.' && tokens.get(end + 2).kind() == 'w') {
                end += 2;
            }
        } else if (t.kind() != 's') {
            return -1;
        }
        while (end + 2 < tokens.size() && tokens.get(end + 1).kind() == ':') {
            end = typeEnd(tokens, end + 2);
        }
        return end;
    }

    /** The CASE that the END at token {@code end} closes (nested CASEs have their own END). */
    private int caseStart(List<Token> tokens, int end) {
        int depth = 0;
        for (int i = end; i >= 0; i--) {
            if (tokens.get(i).kind() != 'w') {
                continue;
            }
            String w = word(tokens.get(i));
            if (w.equals("end")) {
                depth++;
            } else if (w.equals("case") && --depth == 0) {
                return i;
            }
        }
        return end;
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
