package dev.trickle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.avro.RegistryClient;
import dev.trickle.avro.RegistryStandIn;
import dev.trickle.core.connect.DeltaRecords;
import dev.trickle.core.connect.TopicSchemas;
import dev.trickle.core.records.DeltaRecord;
import io.apicurio.registry.utils.converter.AvroConverter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code trickle tail} on the Avro variant: the converter built from the shipped config/avro templates and a
 * registry URL reads what the pipeline's AvroConverter wrote (Confluent framing, schema from the registry
 * stand-in), and the Avro variant without a registry URL is refused with what to give.
 */
class TailAvroTest {
    private static final String TOPIC = "trickle.delta.public.av_totals";
    private static final List<String> COLUMNS = List.of("note", "n", "total");
    private static final List<String> TYPES = List.of("text", "bigint", "numeric");
    private static RegistryStandIn registry;

    @BeforeAll
    static void start() throws Exception {
        registry = RegistryStandIn.start();
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    @Test
    void readsWhatThePipelinesAvroConverterWrote() {
        AvroConverter<?> writer = new AvroConverter<>();
        writer.configure(RegistryClient.shippedConverterConfig(registry.url()), false);
        DeltaRecords schemas = TopicSchemas.delta(TOPIC, COLUMNS, TYPES, List.of(0));
        DeltaRecord row = new DeltaRecord.Row(17, -2, Arrays.asList("o'hara", "3", "12.345"));
        DeltaRecord end = new DeltaRecord.End(17, 4, 0, 1, 1, 1_700_000_000_000L, false);

        TailSettings settings = TailSettings.fromTemplates(null, "avro", registry.url());
        TailDecoder decoder = new TailDecoder(settings.valueConverter(), COLUMNS, TYPES);
        TailPrinter printer = new TailPrinter(COLUMNS);
        List<String> lines = new ArrayList<>();
        for (DeltaRecord r : List.of(row, end)) {
            byte[] bytes = writer.fromConnectData(TOPIC, schemas.valueSchema(), schemas.value(r));
            assertEquals(0, bytes[0], "Confluent magic byte");
            DeltaRecord read = decoder.decode(TOPIC, bytes);
            assertEquals(r, read);
            lines.addAll(printer.lines(0, read));
        }
        assertEquals(List.of("tick 17 -2 (note='o''hara', n=3, total=12.345)", "tick 17 done: -2 rows"), lines);
    }

    @Test
    void theAvroVariantWithoutARegistryIsRefusedWithWhatToGive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TailSettings.fromTemplates(null, "avro", null));
        assertTrue(e.getMessage().contains("needs --registry-url"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TailSettings.fromTemplates(null, "protobuf", null));
        assertTrue(e.getMessage().contains("use one of [json, avro]"), e.getMessage());
    }
}
