package dev.trickle.streams.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One differential case: the tables' DDL, their initial rows, rounds of DML (one tick each) and the query.
 * Its file form (a regression under {@code src/test/resources/regressions/}) is SQL with one statement per
 * line, in sections headed {@code -- schema}, {@code -- rows}, {@code -- round} (once per round) and
 * {@code -- query}; other {@code --} lines are comments.
 */
record FuzzCase(List<String> ddl, List<String> rows, List<List<String>> rounds, String query) {
    private static final Pattern TABLE = Pattern.compile("(?i)CREATE TABLE (\\w+)");

    /** The tables the DDL creates, in order. */
    List<String> tables() {
        List<String> out = new ArrayList<>();
        for (String d : ddl) {
            Matcher m = TABLE.matcher(d);
            if (m.lookingAt()) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    /** DDL then rows: what sets the database up. */
    List<String> setUp() {
        List<String> out = new ArrayList<>(ddl);
        out.addAll(rows);
        return out;
    }

    FuzzCase withQuery(String q) {
        return new FuzzCase(ddl, rows, rounds, q);
    }

    FuzzCase withRows(List<String> r) {
        return new FuzzCase(ddl, r, rounds, query);
    }

    FuzzCase withRounds(List<List<String>> r) {
        return new FuzzCase(ddl, rows, r, query);
    }

    /** The file form, with {@code comments} (one per line) at the top. */
    String toFile(List<String> comments) {
        StringBuilder b = new StringBuilder();
        comments.forEach(c -> b.append("-- ").append(c).append('\n'));
        b.append("-- schema\n");
        ddl.forEach(s -> b.append(s).append(";\n"));
        b.append("-- rows\n");
        rows.forEach(s -> b.append(s).append(";\n"));
        for (List<String> round : rounds) {
            b.append("-- round\n");
            round.forEach(s -> b.append(s).append(";\n"));
        }
        return b.append("-- query\n").append(query).append(";\n").toString();
    }

    static FuzzCase parse(String text) {
        List<String> ddl = new ArrayList<>();
        List<String> rows = new ArrayList<>();
        List<List<String>> rounds = new ArrayList<>();
        StringBuilder query = new StringBuilder();
        List<String> section = null;
        for (String line : text.split("\n")) {
            String l = line.strip();
            switch (l) {
                case "-- schema" -> section = ddl;
                case "-- rows" -> section = rows;
                case "-- round" -> {
                    section = new ArrayList<>();
                    rounds.add(section);
                }
                case "-- query" -> section = null;
                default -> {
                    if (l.isEmpty() || l.startsWith("--")) {
                        continue;
                    }
                    String statement = l.endsWith(";") ? l.substring(0, l.length() - 1) : l;
                    if (section == null) {
                        query.append(query.length() == 0 ? "" : " ").append(statement);
                    } else {
                        section.add(statement);
                    }
                }
            }
        }
        return new FuzzCase(ddl, rows, rounds, query.toString());
    }
}
