package dev.trickle.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.trickle.core.testing.EmbeddedPg;
import java.sql.SQLException;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * The TimeZone recorded with a stream table (V0_4_0_15): a new one gets its creator's session TimeZone;
 * those that existed before the upgrade get UTC (the zone their FULL refreshes ran under), not their creator's,
 * which was never recorded.
 */
class StreamTableTimeZoneTest {
    @Test
    void createRecordsTheSessionTimeZoneAndAnUpgradeGivesUtc() throws SQLException {
        String url = EmbeddedPg.freshDatabase("timezone");
        Flyway.configure(CatalogInstaller.class.getClassLoader()).dataSource(url, "postgres", "postgres")
                .schemas("pgtrickle").table("pgt_schema_history").locations("classpath:db/migration")
                .placeholderReplacement(false).target("0.4.0.14").load().migrate();
        EmbeddedPg.exec(url, "CREATE TABLE z_src (id int PRIMARY KEY, d date)",
                "SET TimeZone = 'Asia/Kolkata'",
                "SELECT pgtrickle.create_stream_table('z_before', 'SELECT date_trunc(''month'', d) AS m FROM z_src')");

        CatalogInstaller.install(url, "postgres", "postgres");

        assertEquals("UTC", EmbeddedPg.one(url, "SELECT timezone FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'z_before'"));
        EmbeddedPg.exec(url, "SET TimeZone = 'Australia/Lord_Howe'",
                "SELECT pgtrickle.create_stream_table('z_after', 'SELECT date_trunc(''month'', d) AS m FROM z_src')");
        assertEquals("Australia/Lord_Howe",
                EmbeddedPg.one(url, "SELECT timezone FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'z_after'"));
    }
}
