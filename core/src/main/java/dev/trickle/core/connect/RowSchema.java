package dev.trickle.core.connect;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

/**
 * The Struct of a row: one optional field per column, in column order, named after the column (adjusted,
 * see {@link ConnectNames}; where the name had to change, the field keeps the column's own name in
 * parameter {@value #PG_COLUMN}). Writing needs the columns' PostgreSQL types; reading needs only the
 * record's own schema, so a reader follows whatever columns the writer had.
 */
public final class RowSchema {
    /** The column's own name, on a field whose name had to be adjusted. */
    public static final String PG_COLUMN = "trickle.pg.column";
    private static final Map<SchemaId, Reader> READERS = new ConcurrentHashMap<>();

    private final List<String> columns;
    private final ColumnKind[] kinds;
    private final Schema schema;
    private final Field[] fields;

    private RowSchema(List<String> columns, ColumnKind[] kinds, Schema schema) {
        this.columns = columns;
        this.kinds = kinds;
        this.schema = schema;
        this.fields = schema.fields().toArray(new Field[0]);
    }

    /** A row schema named {@code name} for columns with their {@code format_type()}s; numerics precise. */
    public static RowSchema of(String name, List<String> columns, List<String> pgTypes) {
        return of(name, columns, pgTypes, DecimalHandling.PRECISE);
    }

    /** A row schema named {@code name} for columns with their {@code format_type()}s, numerics as {@code decimals} says. */
    public static RowSchema of(String name, List<String> columns, List<String> pgTypes, DecimalHandling decimals) {
        if (columns.size() != pgTypes.size()) {
            throw new IllegalArgumentException(columns.size() + " columns but " + pgTypes.size() + " types");
        }
        List<String> fields = ConnectNames.fields(columns);
        SchemaBuilder b = SchemaBuilder.struct().name(name).optional();
        ColumnKind[] kinds = new ColumnKind[columns.size()];
        for (int i = 0; i < kinds.length; i++) {
            kinds[i] = ColumnKind.of(pgTypes.get(i), decimals);
            Schema field = kinds[i].schema(pgTypes.get(i));
            if (!fields.get(i).equals(columns.get(i))) {
                field = withParameter(field, PG_COLUMN, columns.get(i));
            }
            b.field(fields.get(i), field);
        }
        return new RowSchema(List.copyOf(columns), kinds, b.build());
    }

    public Schema schema() {
        return schema;
    }

    public List<String> columns() {
        return columns;
    }

    /** The Struct of a row given as column name → PostgreSQL text (a column missing from the map is NULL). */
    public Struct struct(Map<String, String> values) {
        Struct s = new Struct(schema);
        for (int i = 0; i < kinds.length; i++) {
            StructFill.set(s, fields[i], kinds[i].toConnect(values.get(columns.get(i)), fields[i].schema()));
        }
        return s;
    }

    /** The Struct of a row given positionally as PostgreSQL text. */
    public Struct struct(List<String> values) {
        if (values.size() != kinds.length) {
            throw new DataException("a row of " + values.size() + " values for " + kinds.length + " columns");
        }
        Struct s = new Struct(schema);
        for (int i = 0; i < kinds.length; i++) {
            StructFill.set(s, fields[i], kinds[i].toConnect(values.get(i), fields[i].schema()));
        }
        return s;
    }

    /** A row Struct's values as PostgreSQL text, positionally. */
    public static List<String> texts(Struct row) {
        Reader r = reader(row.schema());
        List<Field> fields = row.schema().fields();
        List<String> out = new ArrayList<>(fields.size());
        for (int i = 0; i < r.kinds.length; i++) {
            out.add(r.kinds[i].toText(row.get(fields.get(i))));
        }
        return Collections.unmodifiableList(out);
    }

    /** A row Struct's values as PostgreSQL text by column name, in column order. */
    public static Map<String, String> named(Struct row) {
        Reader r = reader(row.schema());
        List<Field> fields = row.schema().fields();
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < r.kinds.length; i++) {
            out.put(r.names[i], r.kinds[i].toText(row.get(fields.get(i))));
        }
        return out;
    }

    /** How to read rows of one schema; converters hand out the same schema object per schema, so this is cached. */
    private static Reader reader(Schema schema) {
        SchemaId id = new SchemaId(schema);
        Reader r = READERS.get(id);
        if (r == null) {
            if (READERS.size() > 10_000) {
                READERS.clear();
            }
            r = new Reader(schema);
            READERS.put(id, r);
        }
        return r;
    }

    private static Schema withParameter(Schema field, String key, String value) {
        SchemaBuilder b = new SchemaBuilder(field.type());
        if (field.type() == Schema.Type.STRUCT) {
            field.fields().forEach(f -> b.field(f.name(), f.schema()));
        }
        b.name(field.name()).version(field.version()).doc(field.doc()).optional();
        if (field.parameters() != null) {
            b.parameters(field.parameters());
        }
        return b.parameter(key, value).build();
    }

    /**
     * A schema by identity, as a map key: ConnectSchema's own hashCode walks every field at every call (also
     * {@link StreamingJsonConverter}'s key).
     */
    record SchemaId(Schema schema) {
        @Override
        public boolean equals(Object o) {
            return o instanceof SchemaId other && other.schema == schema;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(schema);
        }
    }

    private static final class Reader {
        final ColumnKind[] kinds;
        final String[] names;

        Reader(Schema schema) {
            if (schema.type() != Schema.Type.STRUCT) {
                throw new DataException("a row is a Struct, not " + schema.type());
            }
            List<Field> fields = schema.fields();
            kinds = new ColumnKind[fields.size()];
            names = new String[fields.size()];
            for (int i = 0; i < kinds.length; i++) {
                Schema f = fields.get(i).schema();
                kinds[i] = ColumnKind.ofSchema(f);
                String own = f.parameters() == null ? null : f.parameters().get(PG_COLUMN);
                names[i] = own != null ? own : fields.get(i).name();
            }
        }
    }
}
