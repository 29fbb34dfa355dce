package dev.trickle.source;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Knows up to which tick everything is safely in Kafka, so that change buffers can be cleaned.
 *
 * <p>With exactly-once delivery a tick is one Kafka transaction, and Connect acknowledges its records
 * only after that transaction (records and source offsets) committed: the tick is delivered once its
 * last record is acknowledged. (Counting every record would not do: Connect keeps them in a map keyed
 * by record equality, so identical duplicate rows of a keyless table are acknowledged once.)
 *
 * <p>Without transactions every record is acknowledged on its own when Kafka has it, so a tick is
 * delivered once all its records are. Their source offsets may still be uncommitted, though: a tick is
 * only cleaned after the offset commit that follows the one during which it was seen delivered, because
 * that later commit necessarily includes its offsets. Otherwise a restart would re-read the tick from a
 * cleaned buffer.
 *
 * <p>In both cases all earlier ticks must be delivered too.
 *
 * <p>Called from the task thread (begin, seal, abandon) and from Connect's producer and offset
 * threads (acknowledgements, offset commits).
 */
final class DeliveryTracker {
    private final boolean transactional;
    private final Deque<TickDelivery> pending = new ArrayDeque<>();
    private long delivered;
    private long seenAtLastOffsetCommit;
    private long offsetsCommitted;

    /** {@code alreadyDelivered}: the tick named by the committed source offset at start. */
    DeliveryTracker(boolean transactional, long alreadyDelivered) {
        this.transactional = transactional;
        this.delivered = alreadyDelivered;
        this.seenAtLastOffsetCommit = alreadyDelivered;
        this.offsetsCommitted = alreadyDelivered;
    }

    synchronized TickDelivery begin(long tick) {
        TickDelivery d = new TickDelivery(tick, transactional);
        pending.addLast(d);
        return d;
    }

    /** A tick attempt that failed half-way: its records were aborted (or will be sent again). */
    synchronized void abandon(TickDelivery d) {
        pending.remove(d);
    }

    /** The last tick all of whose records, and all earlier ones, were acknowledged. */
    synchronized long deliveredUpTo() {
        while (!pending.isEmpty() && pending.peekFirst().complete()) {
            delivered = Math.max(delivered, pending.pollFirst().tick);
        }
        return delivered;
    }

    /** Connect committed source offsets (called from {@code SourceTask.commit()}). */
    synchronized void offsetsCommitted() {
        offsetsCommitted = Math.max(offsetsCommitted, seenAtLastOffsetCommit);
        seenAtLastOffsetCommit = deliveredUpTo();
    }

    /** Buffer rows of ticks up to this one may be deleted. */
    synchronized long cleanableUpTo() {
        return transactional ? deliveredUpTo() : offsetsCommitted;
    }

    /** The records of one attempt at handing out one tick. */
    static final class TickDelivery {
        final long tick;
        private final boolean transactional;
        private final AtomicLong handedOut = new AtomicLong();
        private final AtomicLong acknowledged = new AtomicLong();
        private volatile boolean sealed;
        private volatile boolean lastAcknowledged;

        TickDelivery(long tick, boolean transactional) {
            this.tick = tick;
            this.transactional = transactional;
        }

        void handedOut(int records) {
            handedOut.addAndGet(records);
        }

        long handedOut() {
            return handedOut.get();
        }

        /** All records of the tick are handed out: from now on, acknowledging them all completes it. */
        void seal() {
            sealed = true;
        }

        /** {@code last}: the tick's last record, which only exists once the tick is recorded. */
        void acknowledge(boolean last) {
            acknowledged.incrementAndGet();
            if (last) {
                lastAcknowledged = true;
            }
        }

        boolean complete() {
            return sealed && (transactional ? lastAcknowledged : acknowledged.get() >= handedOut.get());
        }
    }
}
