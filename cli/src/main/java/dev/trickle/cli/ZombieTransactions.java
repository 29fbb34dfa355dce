package dev.trickle.cli;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;

/**
 * Aborts the Kafka transactions that a killed Connect worker left open, before it starts again.
 *
 * <p>With exactly-once source support a worker reads its offsets topic with {@code read_committed} before it
 * joins its group and starts any task. A source task killed in the middle of a tick leaves that tick's transaction
 * open, and it holds the offsets topic's last stable offset back: the restarted worker then waited until the broker
 * aborted it (the task producer's {@code transaction.timeout.ms}, 60 s) before the task that would have fenced it
 * could start (docs/consistency.md, Recovery). Fencing the producers of the group's task ids and of its leader
 * aborts those transactions at once. Only done when no other worker of the group runs: a worker still running
 * takes the tasks over and its producers fence the old ones themselves.
 */
final class ZombieTransactions {
    private ZombieTransactions() {
    }

    /** {@link #fence} for a worker about to be restarted; says in its log what it did, or why it could not. */
    static void fenceBeforeRestart(ChildJvm worker, String bootstrapServers, String groupId) throws InterruptedException {
        try {
            List<String> fenced = fence(bootstrapServers, groupId, Duration.ofSeconds(10));
            if (!fenced.isEmpty()) {
                worker.appendToLog("=== aborted the transactions left open by the stopped worker: " + fenced);
            }
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            worker.appendToLog("=== could not abort the transactions left open by the stopped worker (" + e
                    + "); the restarted worker waits until they time out");
        }
    }

    /**
     * Fences every ongoing transaction of Connect group {@code groupId}: the tasks' ({@code <group>-<connector>-<task>})
     * and the leader's ({@code connect-cluster-<group>}). Returns the transactional ids fenced.
     */
    static List<String> fence(String bootstrapServers, String groupId, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 5_000));
        try (Admin admin = Admin.create(config)) {
            List<String> ids = admin.listTransactions(new ListTransactionsOptions()
                            .filterStates(List.of(TransactionState.ONGOING)))
                    .all().get(timeout.toMillis(), TimeUnit.MILLISECONDS).stream()
                    .map(TransactionListing::transactionalId)
                    .filter(id -> ofGroup(id, groupId))
                    .sorted()
                    .toList();
            if (!ids.isEmpty()) {
                admin.fenceProducers(ids).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            return ids;
        }
    }

    /** Whether {@code transactionalId} is one Connect gives a task or the leader of worker group {@code groupId}. */
    static boolean ofGroup(String transactionalId, String groupId) {
        return transactionalId.startsWith(groupId + "-") || transactionalId.equals("connect-cluster-" + groupId);
    }
}
