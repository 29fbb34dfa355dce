package dev.trickle.core.connect;

import java.time.LocalDate;
import java.time.OffsetTime;
import java.time.ZoneOffset;

/**
 * PostgreSQL's date and time text output (DateStyle ISO, TimeZone UTC: the source connector's sessions)
 * to and from the numbers Debezium carries: days and microseconds since the epoch, microseconds since
 * midnight, ISO-8601 text for the types with a zone. {@code infinity}/{@code -infinity} are the integer
 * type's MAX/MIN; years BC are proleptic (1 BC is year 0), as PostgreSQL counts them.
 */
public final class PgTemporalText {
    private static final long MICROS_PER_DAY = 86_400_000_000L;

    private PgTemporalText() {
    }

    /** {@code 2024-01-15}, {@code 0044-03-15 BC}, {@code infinity} → days since 1970-01-01. */
    public static int parseDate(String text) {
        if (text.equals("infinity")) {
            return Integer.MAX_VALUE;
        } else if (text.equals("-infinity")) {
            return Integer.MIN_VALUE;
        }
        return Math.toIntExact(date(text, 0, bc(text)).toEpochDay());
    }

    public static String formatDate(int days) {
        if (days == Integer.MAX_VALUE) {
            return "infinity";
        } else if (days == Integer.MIN_VALUE) {
            return "-infinity";
        }
        StringBuilder b = new StringBuilder(16);
        LocalDate d = LocalDate.ofEpochDay(days);
        appendDate(b, d);
        return d.getYear() <= 0 ? b.append(" BC").toString() : b.toString();
    }

    /** {@code 2024-01-15 10:30:00.5}, with {@code BC} or {@code infinity} → microseconds since the epoch. */
    public static long parseTimestamp(String text) {
        if (text.equals("infinity")) {
            return Long.MAX_VALUE;
        } else if (text.equals("-infinity")) {
            return Long.MIN_VALUE;
        }
        boolean bc = bc(text);
        int space = text.indexOf(' ');
        LocalDate date = date(text, 0, bc);
        long micros = timeMicros(text, space + 1, bc ? text.length() - 3 : text.length());
        // past 294247 AD the microseconds since 1970 leave a long (PostgreSQL counts from 2000): an error, not a wrong value
        return Math.addExact(Math.multiplyExact(date.toEpochDay(), MICROS_PER_DAY), micros);
    }

    public static String formatTimestamp(long micros) {
        if (micros == Long.MAX_VALUE) {
            return "infinity";
        } else if (micros == Long.MIN_VALUE) {
            return "-infinity";
        }
        LocalDate d = LocalDate.ofEpochDay(Math.floorDiv(micros, MICROS_PER_DAY));
        StringBuilder b = new StringBuilder(32);
        appendDate(b, d);
        b.append(' ');
        appendTime(b, Math.floorMod(micros, MICROS_PER_DAY));
        return d.getYear() <= 0 ? b.append(" BC").toString() : b.toString();
    }

    /**
     * PostgreSQL's text of a timestamptz ({@code 2024-01-15 10:30:00+00}; in a session of another TimeZone with
     * its offset, {@code 2024-01-15 05:30:00-05}, {@code +05:30}, {@code -04:56:02}) → ISO-8601 in UTC with "Z".
     */
    public static String timestamptzToIso(String text) {
        String common = CommonUtcText.toIso(text);
        return common != null ? common : anyTimestamptzToIso(text);
    }

    /** {@link #timestamptzToIso} for every input (the common form's shortcut set aside). */
    static String anyTimestamptzToIso(String text) {
        if (text.equals("infinity") || text.equals("-infinity")) {
            return text;
        }
        boolean bc = bc(text);
        int end = bc ? text.length() - 3 : text.length();
        int sign = Math.max(text.lastIndexOf('+', end - 1), text.lastIndexOf('-', end - 1));
        if (sign <= text.indexOf(' ')) {
            throw new IllegalArgumentException("timestamp with time zone without an offset: \"" + text + "\"");
        }
        String[] parts = text.substring(sign + 1, end).split(":");
        long offset = Integer.parseInt(parts[0]) * 3600L + (parts.length > 1 ? Integer.parseInt(parts[1]) * 60L : 0)
                + (parts.length > 2 ? Integer.parseInt(parts[2]) : 0);
        long micros = parseTimestamp(text.substring(0, sign) + (bc ? " BC" : ""))
                - (text.charAt(sign) == '-' ? -offset : offset) * 1_000_000L;
        LocalDate t = LocalDate.ofEpochDay(Math.floorDiv(micros, MICROS_PER_DAY));
        StringBuilder b = new StringBuilder(32);
        int y = t.getYear();
        if (y > 9999) {
            b.append('+');
        } else if (y < 0) {
            b.append('-');
        }
        pad(b, Math.abs(y), 4).append('-');
        pad(b, t.getMonthValue(), 2).append('-');
        pad(b, t.getDayOfMonth(), 2).append('T');
        appendTime(b, Math.floorMod(micros, MICROS_PER_DAY));
        return b.append('Z').toString();
    }

    /** The ISO-8601 text {@link #timestamptzToIso} makes → PostgreSQL's text in UTC. */
    public static String isoToTimestamptz(String iso) {
        String common = CommonUtcText.fromIso(iso);
        return common != null ? common : anyIsoToTimestamptz(iso);
    }

    /** {@link #isoToTimestamptz} for every input (the common form's shortcut set aside). */
    static String anyIsoToTimestamptz(String iso) {
        if (iso.equals("infinity") || iso.equals("-infinity")) {
            return iso;
        }
        int start = iso.charAt(0) == '+' || iso.charAt(0) == '-' ? 1 : 0;
        int dash = iso.indexOf('-', start);
        int year = Integer.parseInt(iso.substring(start, dash)) * (iso.charAt(0) == '-' ? -1 : 1);
        LocalDate date = LocalDate.of(year, Integer.parseInt(iso.substring(dash + 1, dash + 3)),
                Integer.parseInt(iso.substring(dash + 4, dash + 6)));
        long micros = timeMicros(iso, dash + 7, iso.length() - 1);
        StringBuilder b = new StringBuilder(formatTimestamp(date.toEpochDay() * MICROS_PER_DAY + micros));
        int at = year <= 0 ? b.length() - 3 : b.length();
        return b.insert(at, "+00").toString();
    }

    /** {@code 10:30:00.5} (also {@code 24:00:00}) → microseconds since midnight. */
    public static long parseTime(String text) {
        return timeMicros(text, 0, text.length());
    }

    public static String formatTime(long micros) {
        StringBuilder b = new StringBuilder(16);
        appendTime(b, micros);
        return b.toString();
    }

    /** {@code 10:30:00+05:30} → ISO {@code 10:30:00+05:30}: the offset is kept, unlike Debezium's UTC form. */
    public static String timetzToIso(String text) {
        int sign = Math.max(text.lastIndexOf('+'), text.lastIndexOf('-'));
        String zone = text.substring(sign);
        ZoneOffset offset = ZoneOffset.of(zone);
        return formatTime(parseTime(text.substring(0, sign))) + (offset.getTotalSeconds() == 0 ? "Z" : offset.getId());
    }

    public static String isoToTimetz(String iso) {
        OffsetTime t = OffsetTime.parse(iso);
        StringBuilder b = new StringBuilder(24);
        appendTime(b, t.toLocalTime().toNanoOfDay() / 1000);
        int seconds = t.getOffset().getTotalSeconds();
        int abs = Math.abs(seconds);
        pad(b.append(seconds < 0 ? '-' : '+'), abs / 3600, 2);
        if (abs % 3600 != 0) {
            pad(b.append(':'), abs % 3600 / 60, 2);
            if (abs % 60 != 0) {
                pad(b.append(':'), abs % 60, 2);
            }
        }
        return b.toString();
    }

    private static boolean bc(String text) {
        return text.endsWith(" BC");
    }

    private static LocalDate date(String text, int from, boolean bc) {
        int d1 = text.indexOf('-', from + 1);
        int d2 = text.indexOf('-', d1 + 1);
        int year = Integer.parseInt(text.substring(from, d1));
        return LocalDate.of(bc ? 1 - year : year, Integer.parseInt(text.substring(d1 + 1, d2)),
                Integer.parseInt(text.substring(d2 + 1, d2 + 3)));
    }

    private static long timeMicros(String text, int from, int to) {
        long h = Integer.parseInt(text.substring(from, from + 2));
        long m = Integer.parseInt(text.substring(from + 3, from + 5));
        long s = Integer.parseInt(text.substring(from + 6, from + 8));
        long micros = 0;
        if (to > from + 9 && text.charAt(from + 8) == '.') {
            String frac = text.substring(from + 9, to);
            micros = Long.parseLong((frac + "000000").substring(0, 6));
        }
        return ((h * 60 + m) * 60 + s) * 1_000_000 + micros;
    }

    private static void appendDate(StringBuilder b, LocalDate d) {
        int y = d.getYear();
        pad(b, y <= 0 ? 1 - y : y, 4).append('-');
        pad(b, d.getMonthValue(), 2).append('-');
        pad(b, d.getDayOfMonth(), 2);
    }

    private static void appendTime(StringBuilder b, long micros) {
        long s = micros / 1_000_000;
        int frac = (int) (micros % 1_000_000);
        pad(b, s / 3600, 2).append(':');
        pad(b, s / 60 % 60, 2).append(':');
        pad(b, s % 60, 2);
        if (frac != 0) {
            int digits = 6;
            while (frac % 10 == 0) {
                frac /= 10;
                digits--;
            }
            pad(b.append('.'), frac, digits);
        }
    }

    /** Appends {@code n} (not negative) with leading zeros to at least {@code width} digits; String.format is slow. */
    private static StringBuilder pad(StringBuilder b, long n, int width) {
        String digits = Long.toString(n);
        for (int i = digits.length(); i < width; i++) {
            b.append('0');
        }
        return b.append(digits);
    }
}
