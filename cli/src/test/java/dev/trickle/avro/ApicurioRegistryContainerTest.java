package dev.trickle.avro;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import org.apache.kafka.connect.data.Schema;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;

/**
 * {@link AvroConverterChecks} against a real Apicurio Registry (in-memory image, 2.6.x; another with
 * {@code -Dtrickle.apicurio.image=...}), where a container engine exists; skipped cleanly where none does. It
 * also checks what docs/record-format.md tells a Confluent user: the 4-byte id in the records is one that
 * Apicurio's Confluent-compatible API ({@code /apis/ccompat/v7}) resolves to the same schema, so Confluent's own
 * deserializers pointed at that API read the topics.
 */
@Testcontainers(disabledWithoutDocker = true)
class ApicurioRegistryContainerTest extends AvroConverterChecks {
    @Container
    @SuppressWarnings("resource")
    static final GenericContainer<?> REGISTRY = new GenericContainer<>(DockerImageName.parse(
            System.getProperty("trickle.apicurio.image", "apicurio/apicurio-registry-mem:2.6.13.Final")))
            .withExposedPorts(8080)
            .waitingFor(Wait.forHttp("/apis/registry/v2/system/info").forStatusCode(200));

    @Override
    String registryUrl() {
        return "http://" + REGISTRY.getHost() + ":" + REGISTRY.getMappedPort(8080) + "/apis/registry/v2";
    }

    @Test
    void theIdInTheRecordsIsWhatTheConfluentCompatibleApiServes() throws Exception {
        Schema schema = AvroEnvelopes.deltaEnvelope(true);
        byte[] bytes = converter(false).fromConnectData("trickle.delta.public.ccompat", schema,
                AvroEnvelopes.rowRecord(schema, 1, 1, AvroEnvelopes.row(schema, new BigDecimal("1.50"), null, null,
                        null, null, "c", 3L)));
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        String ccompat = registryUrl().replace("/apis/registry/v2", "/apis/ccompat/v7") + "/schemas/ids/" + id;
        String served = new ObjectMapper().readTree(registry.get(ccompat)).path("schema").asText();
        assertEquals(new org.apache.avro.Schema.Parser().parse(registry.content(id)),
                new org.apache.avro.Schema.Parser().parse(served));
    }
}
