package dev.trickle.streams.runtime;

import java.time.Duration;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * Commits when a task has sent a tick's end marker, not every commit.interval.ms. Under exactly-once nothing a task
 * sends is visible before its stream thread commits the transaction, and what reads it (the sink, the gathering
 * task) uses a tick only once its end markers are visible: the tick is the unit worth a commit. Kafka Streams honours
 * a request after the current round of processing ({@code StreamThread.maybeCommit}, which then commits every task of
 * the thread in one transaction), so the marker is visible as soon as that commit returns instead of up to an
 * interval later, and the thread commits once per tick instead of five times a second (fewer transactions, commit
 * markers and offset commits: docs/benchmarks.md, The Kafka floor). commit.interval.ms stays as the backstop for
 * ticks that take longer than it.
 *
 * <p>Requests are at least {@link #MIN_GAP_MS} apart per stream thread: a thread working off a backlog of small
 * ticks (idle ticks after the app was down) would otherwise commit after nearly every round. A tick that ends within
 * the gap is committed by a wall-clock punctuation once the gap has passed, so its marker waits at most that long.
 */
final class TickCommits {
    /** The shortest time between two requested commits of one stream thread. */
    static final long MIN_GAP_MS = 50;
    /** When the current thread last requested a commit: all its tasks commit together, so the gap is the thread's. */
    private static final ThreadLocal<long[]> LAST_REQUEST = ThreadLocal.withInitial(() -> new long[] {Long.MIN_VALUE});
    private final ProcessorContext<?, ?> context;
    /** This task sent an end marker that no requested commit has covered yet. */
    private boolean due;

    /** For the task of {@code context}; call from the processor's init (it schedules the punctuation). */
    TickCommits(ProcessorContext<?, ?> context) {
        this.context = context;
        context.schedule(Duration.ofMillis(MIN_GAP_MS), PunctuationType.WALL_CLOCK_TIME, now -> {
            if (due) {
                requestIfGapPassed(now);
            }
        });
    }

    /** The task has just sent a tick's end marker. */
    void tickDone() {
        due = true;
        requestIfGapPassed(context.currentSystemTimeMs());
    }

    private void requestIfGapPassed(long now) {
        long[] last = LAST_REQUEST.get();
        if (last[0] == Long.MIN_VALUE || now - last[0] >= MIN_GAP_MS || now < last[0]) {
            context.commit();
            last[0] = now;
            due = false;
        }
    }
}
