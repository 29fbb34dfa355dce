package dev.trickle.e2e;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;

/**
 * {@link AvroEndToEndTest} against a real Apicurio Registry (in-memory image 2.6.x; another with
 * {@code -Dtrickle.apicurio.image=...}) instead of the stand-in, where a container engine exists; skipped cleanly
 * where none does.
 */
@Testcontainers(disabledWithoutDocker = true)
class AvroRegistryContainerEndToEndTest extends AvroEndToEndTest {
    private GenericContainer<?> registry;

    @Override
    @SuppressWarnings("resource")
    String startRegistry() {
        registry = new GenericContainer<>(DockerImageName.parse(
                System.getProperty("trickle.apicurio.image", "apicurio/apicurio-registry-mem:2.6.13.Final")))
                .withExposedPorts(8080)
                .waitingFor(Wait.forHttp("/apis/registry/v2/system/info").forStatusCode(200));
        registry.start();
        return "http://" + registry.getHost() + ":" + registry.getMappedPort(8080) + "/apis/registry/v2";
    }

    @Override
    void stopRegistry() {
        if (registry != null) {
            registry.stop();
        }
    }
}
