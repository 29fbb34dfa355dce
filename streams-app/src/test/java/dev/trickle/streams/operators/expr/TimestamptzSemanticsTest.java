package dev.trickle.streams.operators.expr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.trickle.core.testing.EmbeddedPg;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * timestamptz functions against PostgreSQL itself: each expression runs in PostgreSQL under a TimeZone over
 * generated values (every 10 minutes across the DST changes of 2024 in New York and on Lord Howe Island, whose
 * DST is 30 minutes; random instants of 1900-2100; LMT-era and BC instants; infinities), and the engine's value,
 * printed as PostgreSQL prints it in that zone, must be the same text.
 */
class TimestamptzSemanticsTest {
    private static Connection pg;
    private static final List<String> INSTANTS = instants();
    private static final List<String> LOCALS = localTimes();

    /** An expression as PostgreSQL writes it over {@code v} (a timestamptz), and as the engine computes it. */
    private interface Engine {
        String apply(Timestamptz v, ZoneId zone) throws EvaluationException;
    }

    private record Case(String sql, Engine engine) {
    }

    @BeforeAll
    static void start() throws SQLException {
        pg = EmbeddedPg.connect(EmbeddedPg.freshDatabase("timestamptz"));
    }

    @AfterAll
    static void stop() throws SQLException {
        pg.close();
    }

    private static List<String> instants() {
        List<Instant> out = new ArrayList<>();
        // New York 2024-03-10 02:00 EST -> 03:00 EDT (07:00Z), 2024-11-03 02:00 EDT -> 01:00 EST (06:00Z);
        // Lord Howe 2024-04-07 02:00 +11 -> 01:30 +10:30 (15:00Z), 2024-10-06 02:00 +10:30 -> 02:30 +11 (15:30Z)
        for (String edge : List.of("2024-03-10T07:00:00Z", "2024-11-03T06:00:00Z", "2024-04-06T15:00:00Z", "2024-10-05T15:30:00Z")) {
            Instant e = Instant.parse(edge);
            for (int m = -150; m <= 150; m += 10) {
                out.add(e.plus(Duration.ofMinutes(m)));
            }
        }
        Random random = new Random(13);
        long from = Instant.parse("1900-01-01T00:00:00Z").getEpochSecond();
        long to = Instant.parse("2100-01-01T00:00:00Z").getEpochSecond();
        for (int i = 0; i < 150; i++) {
            long micros = random.nextInt(4) == 0 ? 0 : random.nextInt(1_000_000);
            out.add(Instant.ofEpochSecond(from + (long) (random.nextDouble() * (to - from)), micros * 1000));
        }
        out.add(Instant.parse("1850-06-01T12:00:00Z"));
        out.add(Instant.parse("1883-11-18T16:59:59.5Z"));
        out.add(Instant.parse("2000-02-29T23:59:59.999999Z"));
        List<String> texts = new ArrayList<>(out.stream().map(i -> PgTimestamptz.of(i).text()).toList());
        texts.add("0044-03-15 12:00:00+00 BC");
        return texts;
    }

    /** Local times (no offset) across the same transitions, including the skipped and the repeated ones. */
    private static List<String> localTimes() {
        List<String> out = new ArrayList<>();
        for (String edge : List.of("2024-03-10T02:00", "2024-11-03T01:00", "2024-04-07T01:30", "2024-10-06T02:00",
                "2024-01-31T00:00", "2024-12-31T23:00")) {
            LocalDateTime e = LocalDateTime.parse(edge);
            for (int m = -60; m <= 90; m += 15) {
                out.add(PgDateTime.formatTimestamp(e.plusMinutes(m)));
            }
        }
        return out;
    }

    private static Timestamptz value(String text) throws EvaluationException {
        return PgDateTime.parseTimestamptz(text);
    }

    private static String print(Object v, ZoneId zone) {
        if (v instanceof Timestamptz t) {
            return PgTimestamptz.format(t, zone);
        }
        return PgValues.format(v, PgType.TEXT);
    }

    private static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        cases.add(new Case("v::text", (v, z) -> PgTimestamptz.format(v, z)));
        cases.add(new Case("v::date::text", (v, z) -> print(PgTimestamptz.toDate(v, z), z)));
        cases.add(new Case("v::timestamp::text", (v, z) -> print(PgTimestamptz.toTimestamp(v, z), z)));
        cases.add(new Case("(v AT TIME ZONE 'Asia/Kolkata')::text",
                (v, z) -> print(PgTimestamptz.toTimestamp(v, ZoneId.of("Asia/Kolkata")), z)));
        cases.add(new Case("v::timestamptz(0)::text",
                (v, z) -> print(PgCasts.cast(v, PgType.TIMESTAMPTZ, PgType.parse("timestamp(0) with time zone"), z), z)));
        for (String unit : List.of("microseconds", "milliseconds", "second", "minute", "hour", "day", "week", "month",
                "quarter", "year", "decade", "century", "millennium")) {
            cases.add(new Case("date_trunc('" + unit + "', v)::text", (v, z) -> print(PgTimestamptz.trunc(unit, v, z), z)));
        }
        cases.add(new Case("date_trunc('day', v, 'Australia/Lord_Howe')::text",
                (v, z) -> print(PgTimestamptz.trunc("day", v, ZoneId.of("Australia/Lord_Howe")), z)));
        for (String unit : List.of("epoch", "hour", "minute", "second", "dow", "isodow", "day", "doy", "week", "month",
                "year", "isoyear", "julian", "timezone", "timezone_hour", "timezone_minute")) {
            cases.add(new Case("date_part('" + unit + "', v)::text", (v, z) -> print(PgTimestamptz.datePart(unit, v, z), z)));
            // extract's numeric has no infinity in the engine: finite values only
            cases.add(new Case("CASE WHEN isfinite(v) THEN extract(" + unit + " FROM v)::text END",
                    (v, z) -> v.instant().equals(Instant.MAX) || v.instant().equals(Instant.MIN) ? null
                            : print(PgTimestamptz.extract(unit, v, z), z)));
        }
        for (String interval : List.of("1 month", "1 day", "24 hours", "-1 day", "1 mon 1 day 01:30", "-2 months -3 days",
                "1 year 00:00:00.5", "7 days -00:30")) {
            PgIntervals.Interval i = PgIntervals.parse(interval);
            cases.add(new Case("(v + interval '" + interval + "')::text",
                    (v, z) -> print(PgTimestamptz.plusInterval(v, i.months(), i.days(), i.micros(), z), z)));
        }
        return cases;
    }

    @ParameterizedTest(name = "TimeZone {0}")
    @ValueSource(strings = {"UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"})
    void functionsOfTimestamptzPrintAsPostgresPrintsThem(String zoneName) throws Exception {
        ZoneId zone = PgTimeZone.of(zoneName);
        assertNotNull(zone);
        setZone(zoneName);
        List<Timestamptz> values = new ArrayList<>();
        for (String text : INSTANTS) {
            values.add(value(text));
        }
        values.add(value("infinity"));
        values.add(value("-infinity"));
        List<String> texts = new ArrayList<>(INSTANTS);
        texts.add("infinity");
        texts.add("-infinity");
        for (Case c : cases()) {
            List<String> expected = postgres("SELECT " + c.sql() + " FROM unnest(?::timestamptz[]) WITH ORDINALITY u(v, n) ORDER BY n",
                    texts);
            for (int i = 0; i < values.size(); i++) {
                assertEquals(expected.get(i), c.engine().apply(values.get(i), zone),
                        c.sql() + " of " + texts.get(i) + " in " + zoneName);
            }
        }
    }

    @ParameterizedTest(name = "TimeZone {0}")
    @ValueSource(strings = {"UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"})
    void localTimesAndDatesBecomeInstantsAsInPostgres(String zoneName) throws Exception {
        ZoneId zone = PgTimeZone.of(zoneName);
        setZone(zoneName);
        String[][] sqlAndKind = {
            {"l::timestamp::timestamptz::text", "timestamp"},
            {"l::timestamptz::text", "text"},
            {"l::date::timestamptz::text", "date"},
            {"date_trunc('month', l::date)::text", "trunc date"},
            {"(l::timestamp AT TIME ZONE 'Australia/Lord_Howe')::text", "at zone"},
            {"(l::timestamp AT TIME ZONE 'America/New_York' + interval '1 day')::text", "at zone plus"}};
        for (String[] c : sqlAndKind) {
            List<String> expected = postgres("SELECT " + c[0] + " FROM unnest(?::text[]) WITH ORDINALITY u(l, n) ORDER BY n", LOCALS);
            for (int i = 0; i < LOCALS.size(); i++) {
                String l = LOCALS.get(i);
                LocalDateTime local = PgDateTime.parseTimestamp(l);
                Timestamptz t = switch (c[1]) {
                    case "timestamp" -> (Timestamptz) PgCasts.cast(local, PgType.TIMESTAMP, PgType.TIMESTAMPTZ, zone);
                    case "text" -> (Timestamptz) PgCasts.cast(l, PgType.TEXT, PgType.TIMESTAMPTZ, zone);
                    case "date" -> PgTimestamptz.fromDate(local.toLocalDate(), zone);
                    case "trunc date" -> PgTimestamptz.trunc("month", PgTimestamptz.fromDate(local.toLocalDate(), zone), zone);
                    case "at zone" -> PgTimestamptz.fromTimestamp(local, ZoneId.of("Australia/Lord_Howe"));
                    default -> PgTimestamptz.plusInterval(PgTimestamptz.fromTimestamp(local, ZoneId.of("America/New_York")),
                            0, 1, 0, zone);
                };
                assertEquals(expected.get(i), PgTimestamptz.format(t, zone), c[0] + " of " + l + " in " + zoneName);
            }
        }
    }

    private static void setZone(String zone) throws SQLException {
        try (PreparedStatement ps = pg.prepareStatement("SELECT set_config('TimeZone', ?, false)")) {
            ps.setString(1, zone);
            ps.execute();
        }
    }

    private static List<String> postgres(String sql, List<String> values) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = pg.prepareStatement(sql)) {
            ps.setArray(1, pg.createArrayOf("text", values.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }
}
