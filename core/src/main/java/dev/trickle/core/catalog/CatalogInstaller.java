package dev.trickle.core.catalog;

import dev.trickle.core.pg.PgRedaction;
import java.sql.SQLException;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Installs or upgrades the {@code pgtrickle} catalog with versioned, idempotent migrations. */
public final class CatalogInstaller {
    private static final Logger LOG = LoggerFactory.getLogger(CatalogInstaller.class);

    private CatalogInstaller() {
    }

    /** Brings the catalog to the newest version; returns the version now installed. */
    public static String install(String jdbcUrl, String user, String password) {
        // a 0.3.0 catalog has no Flyway history and holds the names 0.4.0 creates: it is set aside first
        LegacyCatalog.setAsideIfPresent(jdbcUrl, user, password);
        Flyway flyway = Flyway.configure(CatalogInstaller.class.getClassLoader())
                .dataSource(jdbcUrl, user, password)
                .schemas("pgtrickle")
                .table("pgt_schema_history")
                .locations("classpath:db/migration")
                .placeholderReplacement(false)
                // versions are taken by features developed side by side: a catalog that got a later one
                // first still takes an earlier one it lacks (each migration only adds its own objects)
                .outOfOrder(true)
                .load();
        MigrateResult result;
        String version;
        try {
            result = flyway.migrate();
            version = installedVersion(flyway);
        } catch (FlywayException e) {
            // Flyway quotes the JDBC URL in its messages, with any password in it
            throw new IllegalStateException(PgRedaction.redact(e.getMessage()), sqlCause(e));
        }
        if (result.migrationsExecuted > 0) {
            LOG.info("Installed Trickle catalog version {} ({} migration(s) applied)", version, result.migrationsExecuted);
        } else {
            LOG.debug("Trickle catalog is up to date at version {}", version);
        }
        return version;
    }

    /**
     * The newest versioned migration applied. Not {@code info().current()}: that can be a repeatable migration
     * (R__engine_support.sql, re-run when the engine's list changes), which has no version.
     */
    private static String installedVersion(Flyway flyway) {
        MigrationVersion newest = null;
        for (MigrationInfo m : flyway.info().applied()) {
            if (m.getVersion() != null && (newest == null || m.getVersion().compareTo(newest) > 0)) {
                newest = m.getVersion();
            }
        }
        return newest == null ? "none" : newest.getVersion();
    }

    /** The driver's error under Flyway's (its message names no URL), so that a stack trace shows no password. */
    private static Throwable sqlCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException) {
                return t;
            }
        }
        return null;
    }
}
