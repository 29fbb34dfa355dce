package dev.trickle.sink;

import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The sink task's PostgreSQL connections for applying ticks, one per worker that applies at the same time
 * (so at most the task's parallelism). Each connection keeps its temporary delta tables between ticks; a
 * connection that failed is discarded and a new one made when next needed.
 */
final class ApplierPool implements AutoCloseable {
    private final SinkConfig config;
    private final Deque<DeltaApplier> idle = new ArrayDeque<>();

    ApplierPool(SinkConfig config) {
        this.config = config;
    }

    /** An idle applier, or a new connection. */
    DeltaApplier borrow() throws SQLException {
        synchronized (idle) {
            DeltaApplier a = idle.pollFirst();
            if (a != null) {
                return a;
            }
        }
        return new DeltaApplier(config.connect());
    }

    void release(DeltaApplier a) {
        synchronized (idle) {
            idle.addFirst(a);
        }
    }

    /** Closes a connection that failed (it may be broken); null is fine. */
    static void discard(DeltaApplier a) {
        if (a == null) {
            return;
        }
        try {
            a.close();
        } catch (SQLException ignored) {
            // it was broken already; a new connection is made on the next apply
        }
    }

    @Override
    public void close() {
        synchronized (idle) {
            idle.forEach(ApplierPool::discard);
            idle.clear();
        }
    }
}
