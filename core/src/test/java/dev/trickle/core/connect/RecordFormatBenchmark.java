package dev.trickle.core.connect;

import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.records.RecordCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.storage.Converter;

/**
 * Encode + decode cost and size of one change row and one delta row (10 columns of common types): the
 * JSON text records (RecordCodec, before) against Structs through a Connect converter, read back by the columns'
 * catalog types (RowReader) as the streams app and the sink read them. Not a test;
 * run by hand: java -cp core/target/classes:core/target/test-classes:cli/target/lib/'*'
 * dev.trickle.core.connect.RecordFormatBenchmark
 */
public final class RecordFormatBenchmark {
    private static final List<String> COLUMNS = List.of("id", "customer_id", "status", "amount", "qty", "placed_at",
            "note", "discount", "region", "updated");
    private static final List<String> TYPES = List.of("bigint", "integer", "text", "numeric(12,2)", "integer",
            "timestamp with time zone", "text", "double precision", "character varying(20)", "timestamp without time zone");

    private RecordFormatBenchmark() {
    }

    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        List<Map<String, String>> data = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            Map<String, String> r = new LinkedHashMap<>();
            List<String> v = List.of(Long.toString(1_000_000L + i), Integer.toString(i % 977), i % 3 == 0 ? "shipped" : "new",
                    (i * 7 % 100000) / 100 + "." + String.format("%02d", i % 100), Integer.toString(i % 9 + 1),
                    "2024-01-" + String.format("%02d", i % 28 + 1) + " 10:30:00.123456+00", "note number " + i,
                    "0." + (i % 97 + 1), "eu-west-" + (i % 3), "2024-02-01 08:00:0" + (i % 10));
            for (int c = 0; c < COLUMNS.size(); c++) {
                r.put(COLUMNS.get(c), v.get(c));
            }
            data.add(r);
        }
        JsonConverter base64 = converter("true", "BASE64");
        JsonConverter numeric = converter("true", "NUMERIC");
        JsonConverter schemaless = converter("false", "BASE64");
        JsonConverter streaming = new StreamingJsonConverter();
        streaming.configure(Map.of("schemas.enable", "false"), false);
        // rounds interleave the formats, so that a machine whose load changes during the run affects them alike;
        // round 0 warms up, the others print (take each format's lowest figure)
        for (int round = 0; round < 5; round++) {
            boolean print = round > 0;
            runText(data, rows, print);
            run("JsonConverter schemas.enable=true decimal.format=BASE64, precise", base64, data, rows,
                    DecimalHandling.PRECISE, print);
            run("JsonConverter schemas.enable=true decimal.format=NUMERIC, precise", numeric, data, rows,
                    DecimalHandling.PRECISE, print);
            run("JsonConverter schemas.enable=true, string", base64, data, rows, DecimalHandling.STRING, print);
            // Trickle's own part: Structs built from PostgreSQL text and read back by the catalog's types
            run("Structs only, no converter (Trickle's own share)", null, data, rows, DecimalHandling.STRING, print);
            // the shipped default: no schema in the record, the readers take the column types from the catalog
            run("JsonConverter schemas.enable=false, string", schemaless, data, rows, DecimalHandling.STRING, print);
            // the same bytes and values without Jackson trees (session 9)
            run("StreamingJsonConverter schemas.enable=false, string (shipped)", streaming, data, rows,
                    DecimalHandling.STRING, print);
        }
    }

    private static JsonConverter converter(String schemas, String decimalFormat) {
        JsonConverter c = new JsonConverter();
        c.configure(Map.of("schemas.enable", schemas, "decimal.format", decimalFormat), false);
        return c;
    }

    private static void runText(List<Map<String, String>> data, int rows, boolean print) {
        long bytes = 0;
        long start = cpuNanos();
        long sink = 0;
        for (int i = 0; i < rows; i++) {
            Map<String, String> r = data.get(i % data.size());
            String change = RecordCodec.encode(new ChangeRecord.Row(i, 1, r, null));
            sink += ((ChangeRecord.Row) RecordCodec.decodeChange(change)).values().size();
            String delta = RecordCodec.encode(new DeltaRecord.Row(i, 1, new ArrayList<>(r.values())));
            sink += ((DeltaRecord.Row) RecordCodec.decodeDelta(delta)).values().size();
            bytes += change.getBytes(StandardCharsets.UTF_8).length + delta.getBytes(StandardCharsets.UTF_8).length;
        }
        report("RecordCodec JSON text (before)", rows, start, bytes, sink, print);
    }

    private static void run(String name, Converter converter, List<Map<String, String>> data, int rows,
                            DecimalHandling decimals, boolean print) {
        ChangeRecords changes = TopicSchemas.change("trickle.changes.public.orders", COLUMNS, TYPES, List.of("id"), decimals);
        DeltaRecords deltas = TopicSchemas.delta("trickle.delta.public.orders_st", COLUMNS, TYPES, List.of(), decimals);
        RowReader columns = RowReader.of(COLUMNS, TYPES); // made once per topic, as the streams app and the sink do
        long bytes = 0;
        long sink = 0;
        long start = cpuNanos();
        for (int i = 0; i < rows; i++) {
            Map<String, String> r = data.get(i % data.size());
            Object cv = changes.value(new ChangeRecord.Row(i, 1, r, null));
            byte[] change = converter == null ? new byte[0] : converter.fromConnectData("c", changes.valueSchema(), cv);
            Object c = converter == null ? cv : converter.toConnectData("c", change).value();
            sink += ((ChangeRecord.Row) ChangeRecords.decode(c, columns)).values().size();
            Object dv = deltas.value(new DeltaRecord.Row(i, 1, new ArrayList<>(r.values())));
            byte[] delta = converter == null ? new byte[0] : converter.fromConnectData("d", deltas.valueSchema(), dv);
            Object d = converter == null ? dv : converter.toConnectData("d", delta).value();
            sink += ((DeltaRecord.Row) DeltaRecords.decode(d, columns)).values().size();
            bytes += change.length + delta.length;
        }
        report(name, rows, start, bytes, sink, print);
    }

    /** This thread's CPU time: what a row costs, whatever else the machine runs (session 9; before, wall time). */
    private static long cpuNanos() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    private static void report(String name, int rows, long start, long bytes, long sink, boolean print) {
        double us = (cpuNanos() - start) / 1000.0 / rows;
        if (print) {
            System.out.printf("%-66s %6.2f us CPU per change+delta row (encode+decode), %5d bytes (%d)%n", name, us,
                    bytes / rows, sink % 7);
        }
    }
}
