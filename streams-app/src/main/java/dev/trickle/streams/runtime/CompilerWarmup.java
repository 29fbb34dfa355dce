package dev.trickle.streams.runtime;

import dev.trickle.streams.plan.CompiledQuery;
import dev.trickle.streams.plan.QueryCompiler;
import dev.trickle.streams.sql.QueryCompileException;
import dev.trickle.streams.sql.SourceCatalog;
import dev.trickle.streams.sql.SourceColumn;
import dev.trickle.streams.sql.SourceTable;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compiles a made-up query, which loads and initialises Calcite's parser, validator and planner (2-3 s on 2 cores
 * the first time in a JVM). The class archive's run ({@code trickle.warmup.only}) compiles it so that the archive
 * holds those classes; at a normal start {@link PlanPrefetch} compiles the catalog's own stream tables instead, and
 * this query only when there are none (docs/consistency.md, Recovery).
 */
final class CompilerWarmup {
    private static final Logger LOG = LoggerFactory.getLogger(CompilerWarmup.class);
    private static final SourceTable TABLE = new SourceTable("warmup", "t", List.of(
            new SourceColumn("k", "integer"), new SourceColumn("v", "numeric(10,2)"), new SourceColumn("s", "text")));
    private static final SourceCatalog CATALOG = (schema, name) ->
            Optional.ofNullable("warmup".equals(schema) && "t".equals(name) ? TABLE : null);

    private CompilerWarmup() {
    }

    static Thread start() {
        Thread t = new Thread(CompilerWarmup::run, "trickle-compiler-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        return t;
    }

    /** A join under an aggregate: parsing, validation, planning and the incremental operators all take part. */
    static CompiledQuery compile() throws QueryCompileException, UnsupportedQueryException {
        return QueryCompiler.compile("SELECT a.k, count(*) AS n, sum(a.v) AS total, max(b.s) AS s FROM t a "
                + "JOIN t b ON a.k = b.k WHERE a.v > 0 GROUP BY a.k", List.of("warmup"), CATALOG);
    }

    private static void run() {
        try {
            compile();
        } catch (Exception | LinkageError e) {
            LOG.debug("Compiler warm-up failed (no harm: the first stream table pays for it instead)", e);
        }
    }
}
