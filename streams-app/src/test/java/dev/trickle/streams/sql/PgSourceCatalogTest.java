package dev.trickle.streams.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.testing.EmbeddedPg;
import dev.trickle.streams.plan.QueryCompiler;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Source tables read from a real PostgreSQL catalog. */
class PgSourceCatalogTest {
    private static Connection connection;

    @BeforeAll
    static void schema() throws Exception {
        connection = EmbeddedPg.connect(EmbeddedPg.freshDatabase("catalog_reader"));
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TABLE items (id int, gone text, price numeric(10,2), name varchar(20), code char(3),"
                    + " at timestamp, at_tz timestamptz, ref uuid, doc jsonb, tags text[], qty smallint, total bigint,"
                    + " ratio double precision, r real, flag boolean, born date, plain numeric)");
            s.execute("ALTER TABLE items DROP COLUMN gone");
            s.execute("CREATE SCHEMA \"Sales Dept\"");
            s.execute("CREATE TABLE \"Sales Dept\".\"Order \"\"Lines\"\"\" (\"Line No\" int, \"lower\" text)");
            s.execute("CREATE TABLE nothing ()");
            s.execute("CREATE VIEW items_view AS SELECT id, price FROM items");
            // keys: the primary key after a dropped column, a NOT NULL unique constraint, NULLS NOT DISTINCT
            s.execute("CREATE TABLE keyed (gone int, a int, b text NOT NULL, c int, d int, e int, PRIMARY KEY (c, a), UNIQUE (b))");
            s.execute("ALTER TABLE keyed DROP COLUMN gone");
            s.execute("CREATE UNIQUE INDEX ON keyed (d) NULLS NOT DISTINCT");
            // not keys: NULLs may repeat, partial, on an expression
            s.execute("CREATE UNIQUE INDEX ON keyed (e)");
            s.execute("CREATE UNIQUE INDEX ON keyed (d, e) WHERE e > 0");
            s.execute("CREATE UNIQUE INDEX ON keyed ((e + 1)) NULLS NOT DISTINCT");
        }
    }

    @AfterAll
    static void close() throws Exception {
        connection.close();
    }

    @Test
    void readsLiveColumnsInOrderWithFormatType() {
        SourceTable items = new PgSourceCatalog(connection).find("public", "items").orElseThrow();
        assertEquals("public.items", items.qualifiedName());
        assertEquals(List.of(
                new SourceColumn("id", "integer"), new SourceColumn("price", "numeric(10,2)"),
                new SourceColumn("name", "character varying(20)"), new SourceColumn("code", "character(3)"),
                new SourceColumn("at", "timestamp without time zone"), new SourceColumn("at_tz", "timestamp with time zone"),
                new SourceColumn("ref", "uuid"), new SourceColumn("doc", "jsonb"), new SourceColumn("tags", "text[]"),
                new SourceColumn("qty", "smallint"), new SourceColumn("total", "bigint"),
                new SourceColumn("ratio", "double precision"), new SourceColumn("r", "real"), new SourceColumn("flag", "boolean"),
                new SourceColumn("born", "date"), new SourceColumn("plain", "numeric")), items.columns());
    }

    @Test
    void namesNeedingQuotesMatchExactly() {
        PgSourceCatalog catalog = new PgSourceCatalog(connection);
        SourceTable lines = catalog.find("Sales Dept", "Order \"Lines\"").orElseThrow();
        assertEquals(List.of(new SourceColumn("Line No", "integer"), new SourceColumn("lower", "text")), lines.columns());
        assertEquals("Sales Dept.Order \"Lines\"", lines.qualifiedName());
        assertEquals(Optional.empty(), catalog.find("sales dept", "order \"lines\""));
        assertEquals(Optional.empty(), catalog.find("public", "ITEMS"));
    }

    @Test
    void missingTablesViewsAndEmptyTables() {
        PgSourceCatalog catalog = new PgSourceCatalog(connection);
        assertEquals(Optional.empty(), catalog.find("public", "no_such_table"));
        assertEquals(Optional.empty(), catalog.find("no_such_schema", "items"));
        assertEquals(2, catalog.find("public", "items_view").orElseThrow().columns().size());
        assertTrue(catalog.find("public", "nothing").orElseThrow().columns().isEmpty());
    }

    @Test
    void uniqueKeysArePrimaryKeyFirstThenIndexesWhoseNullsCannotRepeat() {
        PgSourceCatalog catalog = new PgSourceCatalog(connection);
        SourceTable keyed = catalog.find("public", "keyed").orElseThrow();
        // columns a b c d e at positions 0..4; the primary key in its own column order
        assertEquals(List.of(List.of(2, 0), List.of(1), List.of(3)), keyed.uniqueKeys());
        assertEquals(List.of(), catalog.find("public", "items").orElseThrow().uniqueKeys());
        assertEquals(List.of(), catalog.find("public", "items_view").orElseThrow().uniqueKeys());
    }

    @Test
    void compilesAgainstTheCatalog() throws Exception {
        var q = QueryCompiler.compile("SELECT \"Line No\" + 1 AS following FROM \"Sales Dept\".\"Order \"\"Lines\"\"\"",
                List.of("public"), new PgSourceCatalog(connection));
        assertEquals(List.of("following"), q.outputColumns());
        assertEquals("Sales Dept.Order \"Lines\"", q.sources().get(0).qualifiedName());
    }
}
