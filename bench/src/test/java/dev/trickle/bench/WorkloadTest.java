package dev.trickle.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class WorkloadTest {
    @Test
    void dimensionsChangeByTheFactTablesFraction() {
        // 0.1% of 1,000,000 orders: 0.1% of 100,000 customers and of 10,000 products
        assertEquals(100, Workload.dimensionChanges(100_000, 1_000, 1_000_000));
        assertEquals(10, Workload.dimensionChanges(10_000, 1_000, 1_000_000));
        // 0.01%, and never less than one row
        assertEquals(10, Workload.dimensionChanges(100_000, 100, 1_000_000));
        assertEquals(1, Workload.dimensionChanges(200, 20, 20_000));
        assertEquals(1, Workload.dimensionChanges(10, 1, 1_000_000));
    }

    @Test
    void configDefaultsAreIssue3sTarget() {
        Config c = Config.fromSystemProperties();
        if (System.getProperty("bench.rows") == null && System.getProperty("bench.changes") == null) {
            assertEquals(1_000_000, c.rows());
            assertEquals(1_000, c.changes());
            assertEquals(100_000, c.customers());
            assertEquals(10_000, c.products());
        }
    }
}
