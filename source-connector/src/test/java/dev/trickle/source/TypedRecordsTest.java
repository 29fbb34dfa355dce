package dev.trickle.source;

import static dev.trickle.source.TaskHarness.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.trickle.core.TopicNames;
import dev.trickle.core.records.ChangeRecord;
import java.math.BigDecimal;
import java.util.List;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/** Change records carry Connect schemas with the columns' types, as Debezium maps them, and follow ADD COLUMN. */
class TypedRecordsTest {
    private static final String T = TopicNames.changes("trickle", "public", "typed");

    @Test
    void rowsAreStructsWithDebeziumTypesAndReadBackAsPostgresText() throws Exception {
        String url = TaskHarness.database("typed");
        exec(url, "CREATE TABLE typed (id bigint PRIMARY KEY, price numeric(10,2), ratio numeric, at timestamptz, "
                        + "day date, raw bytea, ok boolean, f double precision, tags text[])",
                "SELECT pgtrickle.create_stream_table('st', 'SELECT * FROM typed')");
        try (TaskHarness h = new TaskHarness(url)) {
            h.nextTick();
            exec(url, "INSERT INTO typed VALUES (1, 12.5, 1.250, '2024-01-15 10:30:00.25+02', '0044-03-15 BC', '\\x00ff', "
                    + "true, 0.1, '{a,NULL}'), (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)");
            TaskHarness.Tick t = h.nextTick();
            assertEquals(List.of("+{id=1, price=12.50, ratio=1.250, at=2024-01-15 08:30:00.25+00, day=0044-03-15 BC, "
                            + "raw=\\x00ff, ok=t, f=0.1, tags={a,NULL}}",
                    "+{id=2, price=null, ratio=null, at=null, day=null, raw=null, ok=null, f=null, tags=null}"), t.changes(T));
            SourceRecord first = t.recordsOf(ChangeRecord.Row.class).get(0);
            Struct row = ((Struct) TaskHarness.valueThroughJson(first)).getStruct("row");
            assertEquals(new BigDecimal("12.50"), row.get("price"));
            assertEquals("2024-01-15T08:30:00.25Z", row.get("at"));
            Schema schema = first.valueSchema().field("row").schema();
            assertEquals("org.apache.kafka.connect.data.Decimal", schema.field("price").schema().name());
            assertEquals("io.debezium.data.VariableScaleDecimal", schema.field("ratio").schema().name());
            assertEquals("io.debezium.time.ZonedTimestamp", schema.field("at").schema().name());
            assertEquals("io.debezium.time.Date", schema.field("day").schema().name());
            assertEquals(Schema.Type.BYTES, schema.field("raw").schema().type());
            assertEquals("numeric(10,2)", schema.field("price").schema().parameters().get("trickle.pg.type"));
            assertEquals("text[]", schema.field("tags").schema().parameters().get("trickle.pg.type"));
            assertEquals(List.of("1"), TaskHarness.keyTexts(first));
            assertEquals("trickle.changes.public.typed.Key", first.keySchema().name());
            // markers share the rows' envelope: one value schema per topic
            assertSame(first.valueSchema(), t.recordsOf(ChangeRecord.End.class).stream()
                    .filter(r -> r.topic().equals(T)).findFirst().orElseThrow().valueSchema());

            exec(url, "ALTER TABLE typed ADD COLUMN note varchar(10)", "INSERT INTO typed (id, note) VALUES (3, 'n')");
            TaskHarness.Tick after = h.nextTick();
            SourceRecord added = after.recordsOf(ChangeRecord.Row.class).stream().filter(r -> r.topic().equals(T))
                    .findFirst().orElseThrow();
            assertNotSame(first.valueSchema(), added.valueSchema());
            assertEquals("character varying(10)", added.valueSchema().field("row").schema().field("note").schema()
                    .parameters().get("trickle.pg.type"));
            assertEquals(List.of("+{id=3, price=null, ratio=null, at=null, day=null, raw=null, ok=null, f=null, "
                    + "tags=null, note=n}"), after.changes(T));
        }
    }
}
