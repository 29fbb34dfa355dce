package dev.trickle.streams.plan;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;

/**
 * Random rows for the differential test's source table: NULLs, negative numbers, numerics of several
 * scales, awkward floats, strings with LIKE metacharacters, quotes, backslashes, blanks and non-ASCII
 * letters, and many duplicates (small value domains).
 */
final class RandomSourceData {
    static final String DDL = """
            CREATE TABLE src (
              id integer PRIMARY KEY, a integer, b integer, s smallint, big bigint,
              n numeric(10,2), u numeric, f double precision, r real,
              t text, v varchar(20), c char(5), d date, ts timestamp, ok boolean,
              tz timestamptz, uid uuid)""";
    /** A second table whose names need quoting. */
    static final String ODD_DDL = "CREATE TABLE \"Odd Table\" (id integer PRIMARY KEY, \"Mixed Case\" integer, \"with space\" text)";

    static final List<String> COLUMNS = List.of("id", "a", "b", "s", "big", "n", "u", "f", "r", "t", "v", "c", "d", "ts",
            "ok", "tz", "uid");

    private static final String[] WORDS = {"", "a", "b", "ab", "abc", "Ab", "ABC", "b a", "a%b", "a_b", "x\\y", "it's",
        "  pad  ", "é", "Ünï", "zz", "%", "_", "m", "hello", "Hello World", "a\\%", "q\"t", "ba", "aa  "};
    private static final String[] FLOATS = {"0.1", "0.2", "0.30000000000000004", "1e20", "-1e-5", "3.14159", "-0", "1",
        "1.5", "-2.5", "100", "123456.789", "2.5", "0.5"};
    private static final String[] REALS = {"0.1", "1.5", "-2.25", "1e10", "3.3333", "0", "7"};

    private final Random random;

    RandomSourceData(long seed) {
        this.random = new Random(seed);
    }

    /** {@code count} rows, each a list of PostgreSQL input texts in {@link #COLUMNS} order (null = NULL). */
    List<List<String>> rows(int count) {
        List<List<String>> rows = new ArrayList<>();
        for (int id = 1; id <= count; id++) {
            List<String> r = new ArrayList<>();
            r.add(Integer.toString(id));
            r.add(maybe(Integer.toString(random.nextInt(41) - 20)));
            r.add(maybe(Integer.toString(random.nextInt(11) - 5)));
            r.add(maybe(Integer.toString(random.nextInt(601) - 300)));
            r.add(maybe(Long.toString((random.nextLong() % 2_000_000_000_000L))));
            r.add(maybe(BigDecimal.valueOf(random.nextInt(200_001) - 100_000, 2).toPlainString()));
            r.add(maybe(BigDecimal.valueOf(random.nextInt(20_001) - 10_000, random.nextInt(6)).toPlainString()));
            r.add(maybe(pick(FLOATS)));
            r.add(maybe(pick(REALS)));
            r.add(maybe(pick(WORDS)));
            r.add(maybe(pick(WORDS)));
            r.add(maybe(pick(new String[] {"a", "ab", "ab ", "abc", " b", "zz"})));
            r.add(maybe(date()));
            r.add(maybe(timestamp()));
            r.add(maybe(random.nextBoolean() ? "true" : "false"));
            r.add(maybe(timestamp() + (random.nextBoolean() ? "+00" : "-05:30")));
            r.add(maybe(new UUID(random.nextLong(), random.nextLong()).toString()));
            rows.add(r);
        }
        return rows;
    }

    /** Rows for {@link #ODD_DDL}. */
    List<List<String>> oddRows(int count) {
        List<List<String>> rows = new ArrayList<>();
        for (int id = 1; id <= count; id++) {
            rows.add(java.util.Arrays.asList(Integer.toString(id), maybe(Integer.toString(random.nextInt(21) - 10)),
                    maybe(pick(WORDS))));
        }
        return rows;
    }

    private String maybe(String value) {
        return random.nextInt(10) == 0 ? null : value;
    }

    private String pick(String[] values) {
        return values[random.nextInt(values.length)];
    }

    private String date() {
        if (random.nextInt(50) == 0) {
            return "infinity";
        }
        return LocalDate.of(1999, 1, 1).plusDays(random.nextInt(11_700)).toString();
    }

    private String timestamp() {
        LocalDateTime t = LocalDateTime.of(2000, 1, 1, 0, 0).plusSeconds(random.nextInt(1_000_000_000));
        String text = t.toString().replace('T', ' ');
        if (text.length() == 16) {
            text += ":00";
        }
        return random.nextBoolean() ? text : text + String.format(Locale.ROOT, ".%06d", random.nextInt(1_000_000));
    }
}
