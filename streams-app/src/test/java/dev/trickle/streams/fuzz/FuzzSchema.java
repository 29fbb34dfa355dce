package dev.trickle.streams.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * A generated schema: two to four tables {@code t0, t1, ...}, keyed ({@code id integer PRIMARY KEY}) or
 * keyless (duplicates allowed), each with a skewed integer join column {@code k} and a few columns of random
 * {@link FuzzType}s; its initial rows (one INSERT per row, so that the shrinker can drop rows one by one);
 * and rounds of DML: inserts, updates of values, of join keys and of primary keys, deletes, copies of rows
 * of keyless tables, truncates, several tables per round (one round is one transaction, one tick).
 */
final class FuzzSchema {
    record Column(String name, FuzzType type) {
    }

    record Table(String name, boolean keyed, List<Column> columns) {
        /** The columns of a given type. */
        List<Column> of(FuzzType type) {
            return columns.stream().filter(c -> c.type() == type).toList();
        }
    }

    final List<Table> tables;
    private int nextId = 1000;

    private FuzzSchema(List<Table> tables) {
        this.tables = tables;
    }

    static FuzzSchema generate(Random r) {
        List<Table> tables = new ArrayList<>();
        int count = 2 + r.nextInt(3);
        for (int t = 0; t < count; t++) {
            boolean keyed = r.nextInt(3) > 0;
            List<Column> columns = new ArrayList<>();
            if (keyed) {
                columns.add(new Column("id", FuzzType.INT));
            }
            columns.add(new Column("k", FuzzType.INT));
            FuzzType[] types = FuzzType.values();
            for (int c = 0, n = 2 + r.nextInt(4); c < n; c++) {
                FuzzType type = types[r.nextInt(types.length)];
                columns.add(new Column(type.prefix + c, type));
            }
            tables.add(new Table("t" + t, keyed, columns));
        }
        return new FuzzSchema(tables);
    }

    List<String> tableNames() {
        return tables.stream().map(Table::name).toList();
    }

    List<String> ddl() {
        return tables.stream().map(t -> "CREATE TABLE " + t.name() + " (" + t.columns().stream()
                .map(c -> c.name() + " " + c.type().sql + (c.name().equals("id") ? " PRIMARY KEY" : ""))
                .collect(Collectors.joining(", ")) + ")").toList();
    }

    /** The initial rows, one INSERT each. */
    List<String> rows(Random r) {
        List<String> out = new ArrayList<>();
        for (Table t : tables) {
            int count = r.nextInt(5) == 0 ? r.nextInt(3) : 4 + r.nextInt(14);
            for (int i = 0; i < count; i++) {
                out.add("INSERT INTO " + t.name() + " VALUES (" + row(r, t) + ")");
            }
        }
        return out;
    }

    List<List<String>> rounds(Random r, int count) {
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            List<String> round = new ArrayList<>();
            for (int n = 1 + r.nextInt(4); n > 0; n--) {
                round.add(statement(r, tables.get(r.nextInt(tables.size()))));
            }
            out.add(round);
        }
        return out;
    }

    private String statement(Random r, Table t) {
        String name = t.name();
        Column c = t.columns().get(r.nextInt(t.columns().size()));
        int pick = r.nextInt(20);
        if (pick < 6) {
            List<String> rows = new ArrayList<>();
            for (int n = 1 + r.nextInt(3); n > 0; n--) {
                rows.add("(" + row(r, t) + ")");
            }
            return "INSERT INTO " + name + " VALUES " + String.join(", ", rows);
        }
        if (pick < 10) {
            String column = c.name().equals("id") ? "k" : c.name();
            FuzzType type = column.equals("k") ? FuzzType.INT : c.type();
            return "UPDATE " + name + " SET " + column + " = " + type.value(r) + " WHERE " + where(r, t);
        }
        if (pick < 12) {
            return "UPDATE " + name + " SET k = k + 1 WHERE " + where(r, t);
        }
        if (pick < 14 && t.keyed()) {
            // a primary key change: -old/+new of a row under a new key (each row's id changes sign at most once)
            return "UPDATE " + name + " SET id = -id WHERE id > 0 AND " + where(r, t);
        }
        if (pick < 14) {
            return "INSERT INTO " + name + " SELECT * FROM " + name + " WHERE " + where(r, t);
        }
        if (pick < 19) {
            return "DELETE FROM " + name + " WHERE " + where(r, t);
        }
        return "TRUNCATE " + name;
    }

    private String where(Random r, Table t) {
        int m = 2 + r.nextInt(4);
        return switch (r.nextInt(t.keyed() ? 4 : 3)) {
            case 0 -> "k = " + FuzzType.INT.literal(r);
            case 1 -> "k IS NULL";
            case 2 -> {
                Column c = t.columns().get(r.nextInt(t.columns().size()));
                yield r.nextBoolean() ? c.name() + " IS NULL" : c.name() + " = " + c.type().literal(r);
            }
            default -> "id % " + m + " = " + r.nextInt(m);
        };
    }

    private String row(Random r, Table t) {
        List<String> values = new ArrayList<>();
        for (Column c : t.columns()) {
            if (c.name().equals("id")) {
                values.add(Integer.toString(nextId++));
            } else if (c.name().equals("k")) {
                values.add(r.nextInt(8) == 0 ? "NULL" : Integer.toString(FuzzType.skewed(r, 6)));
            } else {
                values.add(c.type().value(r));
            }
        }
        return String.join(", ", values);
    }
}
