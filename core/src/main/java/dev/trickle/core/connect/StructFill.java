package dev.trickle.core.connect;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;

/**
 * Sets the fields of a Struct this package builds without Connect's check per {@link Struct#put}: that check builds
 * a message string and looks up the classes of the field's type at every call, and a nested Struct is checked
 * once more as a whole, which made up a sixth of encoding a change record (docs/benchmarks.md, session 14). The
 * values set here are of their field's class by construction ({@link ColumnKind#toConnect}, the envelope's
 * numbers); {@code StructFillTest} checks that every Struct built so passes {@link Struct#validate()} and equals
 * the one built with {@code put}. Where Struct's array of values cannot be reached (another Kafka version), this
 * falls back to {@code put}.
 */
final class StructFill {
    private static final VarHandle VALUES = valuesHandle();

    private StructFill() {
    }

    private static VarHandle valuesHandle() {
        try {
            return MethodHandles.privateLookupIn(Struct.class, MethodHandles.lookup())
                    .findVarHandle(Struct.class, "values", Object[].class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** Whether fields are set directly (false: through {@code put}). */
    static boolean direct() {
        return VALUES != null;
    }

    /** Sets {@code field} of {@code struct} (a Struct of the field's schema) to {@code value}, of the field's class. */
    static void set(Struct struct, Field field, Object value) {
        if (VALUES == null) {
            struct.put(field, value);
        } else {
            ((Object[]) VALUES.get(struct))[field.index()] = value;
        }
    }

    /** Struct's own array of values, to set many fields at once; null where it cannot be reached (use {@link #set}). */
    static Object[] values(Struct struct) {
        return VALUES == null ? null : (Object[]) VALUES.get(struct);
    }
}
