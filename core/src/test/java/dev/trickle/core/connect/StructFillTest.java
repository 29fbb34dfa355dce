package dev.trickle.core.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.DeltaRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The change and delta records' Structs are filled without Connect's check per put (StructFill): each must pass
 * that check all the same, for every column type, with values and with NULLs, and equal the Struct that
 * {@code put} builds from the same values.
 */
class StructFillTest {
    /** PostgreSQL's output of a value of each type (edge values), as the source connector reads it. */
    private static final Map<String, String> VALUES = new LinkedHashMap<>();

    static {
        VALUES.put("smallint", "-32768");
        VALUES.put("integer", "2147483647");
        VALUES.put("bigint", "-9223372036854775808");
        VALUES.put("oid", "4294967295");
        VALUES.put("boolean", "f");
        VALUES.put("numeric(12,2)", "-9999999999.99");
        VALUES.put("numeric", "0.000000000000000000001");
        VALUES.put("real", "-Infinity");
        VALUES.put("double precision", "NaN");
        VALUES.put("text", "x \"\\\u0000\uD83D\uDE00");
        VALUES.put("bytea", "\\x00ff");
        VALUES.put("date", "4713-01-01 BC");
        VALUES.put("timestamp without time zone", "1900-01-01 00:00:00.000001");
        VALUES.put("timestamp with time zone", "1999-12-31 23:59:59.5+01");
        VALUES.put("time without time zone", "24:00:00");
        VALUES.put("time with time zone", "10:00:00+05:30");
        VALUES.put("jsonb", "{\"a\": 1}");
        VALUES.put("uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        VALUES.put("integer[]", "{1,NULL}");
    }

    @ParameterizedTest
    @EnumSource(DecimalHandling.class)
    void everyRecordPassesConnectsCheckAndEqualsTheOnePutBuilds(DecimalHandling decimals) {
        assertTrue(StructFill.direct(), "this Kafka's Struct keeps its values where StructFill sets them");
        List<String> columns = new ArrayList<>();
        List<String> types = new ArrayList<>();
        Map<String, String> row = new LinkedHashMap<>();
        Map<String, String> nulls = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : VALUES.entrySet()) {
            String column = "c " + columns.size();
            columns.add(column);
            types.add(e.getKey());
            row.put(column, e.getValue());
            nulls.put(column, null);
        }
        ChangeRecords change = TopicSchemas.change("t.changes.public.fill", columns, types, List.of(columns.get(1)),
                decimals);
        DeltaRecords delta = TopicSchemas.delta("t.delta.public.fill", columns, types, List.of(0, 5), decimals);
        for (Map<String, String> r : List.of(row, nulls)) {
            List<String> list = new ArrayList<>(r.values());
            checked(change.value(new ChangeRecord.Row(7, -1, r, null)));
            checked(change.value(new ChangeRecord.Row(7, 1, r, 42L)));
            checked(change.key(r));
            checked(delta.value(new DeltaRecord.Row(8, -3, list)));
            checked(delta.key(list));
        }
        checked(change.value(new ChangeRecord.Init(9, 3, null)));
        checked(change.value(new ChangeRecord.Init(9, 3, 8L)));
        checked(change.value(new ChangeRecord.End(9, 1, 2, 1_700_000_000_000L)));
        checked(delta.value(new DeltaRecord.End(9, 3, 0, 1, 2, 1_700_000_000_000L, true)));
    }

    /** Connect's checks pass, and put builds the same Struct from the same values. */
    private static void checked(Struct filled) {
        filled.validate();
        Struct put = new Struct(filled.schema());
        for (Field f : filled.schema().fields()) {
            Object v = filled.get(f);
            if (v instanceof Struct nested) {
                checked(nested);
            }
            put.put(f, v);
        }
        put.validate();
        assertEquals(put, filled);
    }
}
