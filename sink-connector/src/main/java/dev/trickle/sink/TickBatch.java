package dev.trickle.sink;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Consecutive complete ticks of one stream table that are applied in one transaction: the stream table then
 * goes from its state at the tick before the first straight to its state at the last, which is the query at
 * the last tick's snapshot (a delta is the difference between two snapshots, so the sum of consecutive deltas
 * is the difference between the first's predecessor and the last). Only the first tick may be an initial fill:
 * a fill replaces the content, so nothing before it may be merged with it, while the deltas after it are
 * differences to the filled content and merge like any others.
 */
final class TickBatch {
    private final List<PendingTick> ticks;
    /** Why these ticks must not be applied (see {@link TopicTicks#poison}); null for a normal batch. */
    private final String refusal;

    private TickBatch(List<PendingTick> ticks) {
        this(ticks, null);
    }

    private TickBatch(List<PendingTick> ticks, String refusal) {
        if (ticks.isEmpty()) {
            throw new IllegalArgumentException("a batch holds at least one tick");
        }
        for (int i = 1; i < ticks.size(); i++) {
            if (ticks.get(i).initial() || ticks.get(i).tick() <= ticks.get(i - 1).tick()) {
                throw new IllegalArgumentException("ticks of a batch ascend and only the first may be a fill: "
                        + ticks.stream().map(PendingTick::tick).toList());
            }
        }
        this.ticks = List.copyOf(ticks);
        this.refusal = refusal;
    }

    static TickBatch of(List<PendingTick> ticks) {
        return new TickBatch(ticks);
    }

    static TickBatch of(PendingTick tick) {
        return new TickBatch(List.of(tick));
    }

    /** The same ticks, to be refused with this reason: their stream table goes to ERROR instead. */
    TickBatch refused(String why) {
        return new TickBatch(ticks, why);
    }

    String refusal() {
        return refusal;
    }

    List<PendingTick> ticks() {
        return ticks;
    }

    long streamTable() {
        return ticks.get(0).streamTable();
    }

    long firstTick() {
        return ticks.get(0).tick();
    }

    /** The tick the stream table is at once the batch is applied. */
    long lastTick() {
        return ticks.get(ticks.size() - 1).tick();
    }

    int size() {
        return ticks.size();
    }

    /** The delta rows of the batch's ticks as they came (with their multiplicity), before any cancel out. */
    long rowsReceived() {
        return ticks.stream().mapToLong(PendingTick::rowsReceived).sum();
    }

    /** The batch starts with a fill: the stream table's content is replaced. */
    boolean initial() {
        return ticks.get(0).initial();
    }

    /** The time of the last tick's snapshot: the data timestamp once the batch is in. */
    long tickMillis() {
        return ticks.get(ticks.size() - 1).tickMillis();
    }

    /** When the first tick was found complete (the batch has been waiting since). */
    long queuedAt() {
        return ticks.get(0).queuedAt();
    }

    /** The ticks after {@code appliedThrough} (a redelivery may repeat ticks applied before a crash); null if none. */
    TickBatch after(long appliedThrough) {
        List<PendingTick> rest = ticks.stream().filter(t -> t.tick() > appliedThrough).toList();
        return rest.isEmpty() ? null : rest.size() == ticks.size() ? this : new TickBatch(rest, refusal);
    }

    /** "tick 7", or "ticks 5 to 7" for a batch, as messages and history name it. */
    String describe() {
        return ticks.size() == 1 ? "tick " + firstTick() : "ticks " + firstTick() + " to " + lastTick();
    }

    /**
     * The ticks' deltas summed and consolidated: a row inserted by one tick and deleted by a later one cancels.
     * Distinct value lists with their non-zero total weight, in order of first arrival.
     */
    List<Map.Entry<List<String>, Long>> delta() {
        if (ticks.size() == 1) {
            return ticks.get(0).delta();
        }
        Map<List<String>, Long> sum = new LinkedHashMap<>();
        for (PendingTick t : ticks) {
            for (Map.Entry<List<String>, Long> e : t.delta()) {
                sum.merge(e.getKey(), e.getValue(), Math::addExact);
            }
        }
        List<Map.Entry<List<String>, Long>> out = new ArrayList<>(sum.size());
        for (Map.Entry<List<String>, Long> e : sum.entrySet()) {
            if (e.getValue() != 0) {
                out.add(e);
            }
        }
        return out;
    }
}
