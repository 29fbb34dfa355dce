package dev.trickle.core.connect;

import dev.trickle.core.records.MalformedRecordException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

/**
 * Reads the rows of one topic by the columns' PostgreSQL types as the catalog has them (a source's columns, a
 * stream table's columns), whatever converter wrote them: a Struct (schemas on, Avro) or a Map (JsonConverter
 * with schemas.enable=false, which keeps no types and no field order). Fields are matched to columns by name (the
 * adjusted field name, or the column's own name in {@value RowSchema#PG_COLUMN}); each column's value is read
 * from its own type, never from the record's schema. Made once per topic and columns, then shared: reading a
 * row builds no schema and looks up nothing per value but the field.
 */
public final class RowReader {
    private final List<String> columns;
    private final String[] fields;
    private final ColumnReader[] readers;
    /** Adjusted field name → column, and column name → column. */
    private final Map<String, Integer> byField = new HashMap<>();
    private final Map<String, Integer> byName = new HashMap<>();
    /** The last Struct schema seen and, per column, its field in it (-1: none); converters reuse schema objects. */
    private volatile StructLayout layout;

    private RowReader(List<String> columns, List<String> pgTypes) {
        if (columns.size() != pgTypes.size()) {
            throw new IllegalArgumentException(columns.size() + " columns but " + pgTypes.size() + " types");
        }
        this.columns = List.copyOf(columns);
        this.fields = ConnectNames.fields(columns).toArray(new String[0]);
        this.readers = new ColumnReader[columns.size()];
        for (int i = 0; i < readers.length; i++) {
            readers[i] = new ColumnReader(columns.get(i), pgTypes.get(i));
            byField.put(fields[i], i);
            byName.put(columns.get(i), i);
        }
    }

    /** A reader for rows of these columns, with their {@code format_type()}s, in column order. */
    public static RowReader of(List<String> columns, List<String> pgTypes) {
        return new RowReader(columns, pgTypes);
    }

    public List<String> columns() {
        return columns;
    }

    /**
     * The row's values as PostgreSQL text, in column order: every column must have its field, and the row no
     * other field (a delta row is the stream table's whole row).
     */
    public List<String> texts(Object row) {
        String[] out = new String[readers.length];
        if (row instanceof Struct s) {
            int[] at = layout(s.schema());
            List<Field> f = s.schema().fields();
            if (f.size() != readers.length) {
                throw width(f.stream().map(Field::name).toList());
            }
            for (int i = 0; i < readers.length; i++) {
                if (at[i] < 0) {
                    throw missing(i, f.stream().map(Field::name).toList());
                }
                out[i] = read(i, s.get(f.get(at[i])));
            }
        } else if (row instanceof Map<?, ?> m) {
            if (m.size() != readers.length) {
                throw width(m.keySet());
            }
            for (int i = 0; i < readers.length; i++) {
                Object v = m.get(fields[i]);
                if (v == null && !m.containsKey(fields[i])) {
                    throw missing(i, m.keySet());
                }
                out[i] = read(i, v);
            }
        } else {
            throw notARow(row);
        }
        return Collections.unmodifiableList(Arrays.asList(out));
    }

    /**
     * The row's values as PostgreSQL text by column name, in column order. A column the row has no field for is
     * left out (the writer did not know it yet), and a field of no known column is ignored (a column added since
     * the catalog was read: no compiled query reads it).
     */
    public Map<String, String> named(Object row) {
        Map<String, String> out = new LinkedHashMap<>();
        if (row instanceof Struct s) {
            int[] at = layout(s.schema());
            List<Field> f = s.schema().fields();
            for (int i = 0; i < readers.length; i++) {
                if (at[i] >= 0) {
                    out.put(columns.get(i), read(i, s.get(f.get(at[i]))));
                }
            }
        } else if (row instanceof Map<?, ?> m) {
            for (int i = 0; i < readers.length; i++) {
                Object v = m.get(fields[i]);
                if (v != null || m.containsKey(fields[i])) {
                    out.put(columns.get(i), read(i, v));
                }
            }
        } else {
            throw notARow(row);
        }
        return out;
    }

    private String read(int column, Object value) {
        try {
            return readers[column].text(value);
        } catch (DataException e) {
            throw new MalformedRecordException(e.getMessage(), e);
        }
    }

    private int[] layout(Schema schema) {
        StructLayout l = layout;
        if (l == null || l.schema != schema) {
            l = new StructLayout(schema, new int[readers.length]);
            Arrays.fill(l.fieldOf, -1);
            List<Field> f = schema.fields();
            for (int j = 0; j < f.size(); j++) {
                // the field's name first: Avro shares one named type (VariableScaleDecimal) between fields, with the
                // Connect parameters of its first use, so trickle.pg.column may be another field's
                Integer i = byField.get(f.get(j).name());
                if (i == null) {
                    Map<String, String> p = f.get(j).schema().parameters();
                    String own = p == null ? null : p.get(RowSchema.PG_COLUMN);
                    i = byName.get(own != null ? own : f.get(j).name());
                }
                if (i != null && l.fieldOf[i] < 0) {
                    l.fieldOf[i] = j;
                }
            }
            layout = l;
        }
        return l.fieldOf;
    }

    private MalformedRecordException width(java.util.Collection<?> got) {
        return new MalformedRecordException("a row with fields " + new ArrayList<>(got) + " for the columns " + columns
                + " (the stream table's or source's columns as the catalog has them): the record was written for "
                + "other columns");
    }

    private MalformedRecordException missing(int column, java.util.Collection<?> got) {
        return new MalformedRecordException("a row without a field for column \"" + columns.get(column) + "\" (field "
                + fields[column] + "; the row has " + new ArrayList<>(got) + "): the record was written for other columns");
    }

    private static MalformedRecordException notARow(Object row) {
        String shown = row == null ? "null" : "a " + row.getClass().getSimpleName();
        return new MalformedRecordException("a row is a Struct or a map of fields, not " + shown);
    }

    private record StructLayout(Schema schema, int[] fieldOf) {
    }
}
