package dev.trickle.streams.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.catalog.CatalogInstaller;
import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import org.junit.jupiter.api.Test;

/** A restarted app skips Flyway only when the catalog holds every migration it carries; otherwise it installs. */
class ShippedCatalogTest {
    @Test
    void versionsReadAsFlywayReadsThem() {
        assertEquals("0.4", ShippedCatalog.normalize("0_4_0"));
        assertEquals("0.4", ShippedCatalog.normalize("0.4.0.0"));
        assertEquals("0.4.0.6", ShippedCatalog.normalize("0_4_0_6"));
        assertEquals("1.10", ShippedCatalog.normalize("01.10"));
        assertTrue(ShippedCatalog.versions().contains("0.4.0.6"), ShippedCatalog.versions().toString());
    }

    @Test
    void onlyACatalogWithEveryShippedMigrationCountsAsInstalled() throws Exception {
        String url = EmbeddedPg.freshDatabase("shipped_catalog");
        try (Connection c = EmbeddedPg.connect(url)) {
            assertFalse(ShippedCatalog.installed(c), "no catalog yet");
            CatalogInstaller.install(url, "postgres", "postgres");
            assertTrue(ShippedCatalog.installed(c), "freshly installed");
            EmbeddedPg.exec(url, "DELETE FROM pgtrickle.pgt_schema_history WHERE version = (SELECT max(version) "
                    + "FROM pgtrickle.pgt_schema_history)");
            assertFalse(ShippedCatalog.installed(c), "a migration is missing: Flyway must run");
            EmbeddedPg.exec(url, "UPDATE pgtrickle.pgt_schema_history SET success = false");
            assertFalse(ShippedCatalog.installed(c), "a failed migration: Flyway must say so");
        }
    }
}
