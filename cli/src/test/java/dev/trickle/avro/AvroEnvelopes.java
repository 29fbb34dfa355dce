package dev.trickle.avro;

import java.math.BigDecimal;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;

/**
 * Connect schemas and records shaped like the delta topic's (docs/record-format.md: an envelope with kind, tick,
 * weight and markers' fields, and an optional row struct whose fields carry Debezium's logical types and
 * {@code trickle.pg.type}). The row's columns: numeric(12,2),
 * numeric, timestamp, date, timestamptz, text, and in the evolved schema an added int8 column. Field names are
 * as the writer adjusts column names to Avro's rules ({@code 1st ratio} is {@code _1st_ratio}).
 */
final class AvroEnvelopes {
    static final String NAME = "trickle.delta.public.totals";
    static final String VARIABLE_SCALE_DECIMAL = "io.debezium.data.VariableScaleDecimal";

    private AvroEnvelopes() {
    }

    static Schema optional(Schema base, String pgType) {
        return copy(base).optional().parameter("trickle.pg.type", pgType).build();
    }

    private static SchemaBuilder copy(Schema s) {
        SchemaBuilder b = new SchemaBuilder(s.type());
        if (s.name() != null) {
            b.name(s.name());
        }
        if (s.parameters() != null) {
            b.parameters(s.parameters());
        }
        return b;
    }

    static Schema deltaEnvelope(boolean withAddedColumn) {
        SchemaBuilder row = SchemaBuilder.struct().name(NAME + ".Value").optional()
                .field("amount", Decimal.builder(2).optional().parameter("connect.decimal.precision", "12")
                        .parameter("trickle.pg.type", "numeric(12,2)").build())
                .field("_1st_ratio", SchemaBuilder.struct().name(VARIABLE_SCALE_DECIMAL).optional()
                        .field("scale", Schema.INT32_SCHEMA).field("value", Schema.BYTES_SCHEMA)
                        .parameter("trickle.pg.type", "numeric").build())
                .field("at", SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp").optional()
                        .parameter("trickle.pg.type", "timestamp without time zone").build())
                .field("day", SchemaBuilder.int32().name("io.debezium.time.Date").optional()
                        .parameter("trickle.pg.type", "date").build())
                .field("at_tz", SchemaBuilder.string().name("io.debezium.time.ZonedTimestamp").optional()
                        .parameter("trickle.pg.type", "timestamp with time zone").build())
                .field("label", optional(Schema.STRING_SCHEMA, "text"));
        if (withAddedColumn) {
            row.field("added_col", optional(Schema.INT64_SCHEMA, "bigint"));
        }
        return SchemaBuilder.struct().name(NAME + ".Envelope")
                .field("kind", Schema.STRING_SCHEMA)
                .field("tick", Schema.INT64_SCHEMA)
                .field("weight", Schema.OPTIONAL_INT64_SCHEMA)
                .field("stream_table", Schema.OPTIONAL_INT64_SCHEMA)
                .field("producer", Schema.OPTIONAL_INT32_SCHEMA)
                .field("producers", Schema.OPTIONAL_INT32_SCHEMA)
                .field("partitions", Schema.OPTIONAL_INT32_SCHEMA)
                .field("tick_ms", Schema.OPTIONAL_INT64_SCHEMA)
                .field("initial", Schema.OPTIONAL_BOOLEAN_SCHEMA)
                .field("row", row.build())
                .build();
    }

    /** A row of the envelope's row schema; {@code added} goes to the added column when the schema has it. */
    static Struct row(Schema envelope, BigDecimal amount, BigDecimal ratio, Long atMicros, Integer days, String atTz,
                      String label, Long added) {
        Schema rowSchema = envelope.field("row").schema();
        Struct r = new Struct(rowSchema).put("amount", amount).put("at", atMicros).put("day", days)
                .put("at_tz", atTz).put("label", label);
        if (ratio != null) {
            Schema vsd = rowSchema.field("_1st_ratio").schema();
            r.put("_1st_ratio", new Struct(vsd).put("scale", ratio.scale())
                    .put("value", ratio.unscaledValue().toByteArray()));
        }
        if (rowSchema.field("added_col") != null) {
            r.put("added_col", added);
        }
        return r;
    }

    static Struct rowRecord(Schema envelope, long tick, long weight, Struct row) {
        return new Struct(envelope).put("kind", "row").put("tick", tick).put("weight", weight).put("row", row);
    }
}
