package dev.trickle.avro;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link AvroConverterChecks} against the in-test registry stand-in. */
class StandInAvroConverterTest extends AvroConverterChecks {
    private static RegistryStandIn standIn;

    @BeforeAll
    static void start() throws Exception {
        standIn = RegistryStandIn.start();
    }

    @AfterAll
    static void stop() {
        standIn.close();
    }

    @Override
    String registryUrl() {
        return standIn.url();
    }

    /** The stand-in answers 501 to what it does not implement: a converter calling more fails loudly, not oddly. */
    @Test
    void anEndpointTheStandInLacksIsAClearError() {
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> registry.get(registryUrl() + "/admin/rules"));
        assertTrue(e.getMessage().contains("501") && e.getMessage().contains("does not implement GET"), e.getMessage());
    }
}
