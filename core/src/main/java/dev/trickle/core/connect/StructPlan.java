package dev.trickle.core.connect;

import java.util.List;
import java.util.Set;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;

/**
 * How {@link StreamingJsonConverter} writes the Structs of one schema as JsonConverter without schemas writes them:
 * each field's name already as JSON bytes ({@code "name":}) and its type, so that writing a record is a loop over
 * its values with no lookups. Made once per schema (the converter keeps it by schema identity).
 */
final class StructPlan {
    /** Kafka's logical types, which JsonConverter writes by their own rules. */
    private static final Set<String> LOGICAL = Set.of(Decimal.LOGICAL_NAME, Date.LOGICAL_NAME, Time.LOGICAL_NAME,
            Timestamp.LOGICAL_NAME);

    private final Schema schema;
    private final Field[] fields;
    /** Per field: {@code ,"name":} as UTF-8 (no comma before the first). */
    private final byte[][] names;
    private final Schema.Type[] types;
    private final boolean[] optional;
    /** Per STRUCT field, its plan. */
    private final StructPlan[] nested;
    private final int sizeHint;

    private StructPlan(Schema schema, Field[] fields, byte[][] names, StructPlan[] nested) {
        this.schema = schema;
        this.fields = fields;
        this.names = names;
        this.nested = nested;
        this.types = new Schema.Type[fields.length];
        this.optional = new boolean[fields.length];
        int size = 2;
        for (int i = 0; i < fields.length; i++) {
            types[i] = fields[i].schema().type();
            optional[i] = fields[i].schema().isOptional();
            size += names[i].length + (nested[i] != null ? nested[i].sizeHint : 8);
        }
        this.sizeHint = size;
    }

    /**
     * The plan of a Struct schema, or null where JsonConverter must write it: a field, at any depth, of a type not
     * written here the way JsonConverter writes it (logical types, bytes, arrays, maps), or with a default value
     * (which JsonConverter may write in place of a null).
     */
    static StructPlan of(Schema schema) {
        if (schema.type() != Schema.Type.STRUCT || !plain(schema)) {
            return null;
        }
        List<Field> f = schema.fields();
        Field[] fields = f.toArray(new Field[0]);
        byte[][] names = new byte[fields.length][];
        StructPlan[] nested = new StructPlan[fields.length];
        for (int i = 0; i < fields.length; i++) {
            Schema fs = fields[i].schema();
            if (!plain(fs)) {
                return null;
            }
            switch (fs.type()) {
                case INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING -> {
                }
                case STRUCT -> {
                    nested[i] = of(fs);
                    if (nested[i] == null) {
                        return null;
                    }
                }
                default -> {
                    return null;
                }
            }
            JsonBytes name = new JsonBytes(fields[i].name().length() + 4);
            if (i > 0) {
                name.write((byte) ',');
            }
            name.string(fields[i].name());
            name.write((byte) ':');
            names[i] = name.toByteArray();
        }
        return new StructPlan(schema, fields, names, nested);
    }

    private static boolean plain(Schema s) {
        return s.defaultValue() == null && (s.name() == null || !LOGICAL.contains(s.name()));
    }

    int sizeHint() {
        return sizeHint;
    }

    /** Writes {@code struct} (of this plan's schema); false where a value is not what its schema says. */
    boolean write(JsonBytes out, Struct struct) {
        out.write((byte) '{');
        for (int i = 0; i < fields.length; i++) {
            out.write(names[i]);
            Object v = struct.get(fields[i]);
            if (v == null) {
                if (!optional[i]) {
                    return false; // JsonConverter's error
                }
                out.ascii("null");
            } else if (!value(out, i, v)) {
                return false;
            }
        }
        out.write((byte) '}');
        return true;
    }

    /** One non-null value; JsonConverter casts integers to the Java class of their width, so the class must be it. */
    private boolean value(JsonBytes out, int i, Object v) {
        switch (types[i]) {
            case INT8 -> {
                if (!(v instanceof Byte b)) {
                    return false;
                }
                out.number(b);
            }
            case INT16 -> {
                if (!(v instanceof Short s)) {
                    return false;
                }
                out.number(s);
            }
            case INT32 -> {
                if (!(v instanceof Integer n)) {
                    return false;
                }
                out.number(n);
            }
            case INT64 -> {
                if (!(v instanceof Long l)) {
                    return false;
                }
                out.number(l);
            }
            case FLOAT32 -> {
                if (!(v instanceof Float f)) {
                    return false;
                }
                out.number(f.floatValue());
            }
            case FLOAT64 -> {
                if (!(v instanceof Double d)) {
                    return false;
                }
                out.number(d.doubleValue());
            }
            case BOOLEAN -> {
                if (!(v instanceof Boolean b)) {
                    return false;
                }
                out.ascii(b ? "true" : "false");
            }
            case STRING -> {
                if (!(v instanceof CharSequence s)) {
                    return false;
                }
                out.string(s.toString());
            }
            case STRUCT -> {
                return v instanceof Struct s && s.schema().equals(nested[i].schema) && nested[i].write(out, s);
            }
            default -> {
                return false;
            }
        }
        return true;
    }
}
