package dev.trickle.bench;

/**
 * The Kafka records the throughput benchmark's pipeline moves, per row change and per tick, with their sizes: what
 * {@link KafkaFloorMain} replays without any Trickle code. The defaults were measured from the topics of one run of
 * {@code ThroughputMain} (phase (b): end offsets before and after, key and value sizes from the log segments; see
 * docs/benchmarks.md, "The Kafka floor"): 287,060 row changes made 430,698 change records on {@code orders}, as many
 * gather records, 374,330 join-state changelog records and 195,030 {@code tp_paid} delta records.
 *
 * @param changesPerRowChange change records on the change topic per row change (an update is −old/+new)
 * @param gatherPerChange     gather records the scatter writes per change record
 * @param paidPerChange       filter delta records per change record (streamed as they arrive)
 * @param stateLogPerGathered join-state changelog records per gathered row, written when the tick runs
 * @param aggregatePerTick    aggregate delta records per tick (its groups' −old/+new)
 * @param metaLogPerTick      small changelog records per tick (the tick ledgers of the stream tables' tasks)
 */
record KafkaFloorTraffic(double changesPerRowChange, int changeKey, int changeValue, double gatherPerChange,
                         int gatherKey, int gatherValue, double paidPerChange, int paidKey, int paidValue,
                         double stateLogPerGathered, int stateKey, int stateValue, int aggregatePerTick,
                         int aggregateKey, int aggregateValue, int metaLogPerTick) {

    /** As measured from the throughput benchmark's topics (docs/benchmarks.md); sizes in bytes, rounded. */
    static final KafkaFloorTraffic MEASURED = new KafkaFloorTraffic(1.5, 13, 233, 1.0, 1, 101, 195_030 / 430_698.0,
            12, 227, 374_330 / 430_781.0, 62, 2, 28, 39, 217, 6);

    /** Change records for the row changes of one tick. */
    long changeRecords(long rowChanges) {
        return Math.round(rowChanges * changesPerRowChange);
    }

    /**
     * How many records {@code ratio} per input gives after {@code inputs} inputs: the running count rounded down, so
     * that each input emits the difference (the producer and the test agree on the exact numbers).
     */
    static long upTo(long inputs, double ratio) {
        return (long) Math.floor(inputs * ratio + 1e-9);
    }

    /** The same with fewer join-state changelog records (a variant: what a state layout with fewer writes buys). */
    KafkaFloorTraffic withStateLogPerGathered(double value) {
        return new KafkaFloorTraffic(changesPerRowChange, changeKey, changeValue, gatherPerChange, gatherKey, gatherValue,
                paidPerChange, paidKey, paidValue, value, stateKey, stateValue, aggregatePerTick, aggregateKey,
                aggregateValue, metaLogPerTick);
    }
}
