package dev.trickle.streams.runtime;

import java.util.Map;

/**
 * Reads a gather topic's records again, for the gathering task's {@link TickMemory} after a restart. The
 * app's implementation is {@link KafkaGatherReplay}; tests give the records they produced.
 */
@FunctionalInterface
interface GatherReplay {
    /**
     * Hands every committed record of the topic's single partition from offset {@code from} up to (not including)
     * {@code upTo} to {@code records}, in offset order; false when the topic no longer holds offset {@code from}.
     */
    boolean read(String topic, long from, long upTo, Records records);

    /** One record read again. */
    @FunctionalInterface
    interface Records {
        void accept(long offset, String key, byte[] value);
    }

    /** Makes the replay of a task from the app's configuration ({@code ProcessorContext.appConfigs()}). */
    @FunctionalInterface
    interface Factory {
        GatherReplay create(Map<String, Object> appConfigs);
    }
}
