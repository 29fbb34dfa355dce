package dev.trickle.e2e;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Invariant 1 for joins and aggregates over two sources changed in one transaction: a join never shows
 * an order without its customer, an aggregate over the join never counts half a transaction, and four
 * stream tables read at the same tick agree on the orders.
 */
class OrdersInvariantEndToEndTest extends E2eSupport {
    @Test
    void ordersAndCustomersChangedTogetherAreNeverSeenHalfWay() throws Exception {
        Invariants.Violations violations = new Invariants.Violations();
        OrdersWorkload orders = new OrdersWorkload("oc", violations, 3, 10);
        Workload.createAll(List.of(orders));
        InvariantRun.run("orders", List.of(orders), violations, Invariants.loadDuration(Duration.ofSeconds(15)), false,
                (runner, until) -> until.runOut());
        InvariantRun.dropStreamTables(List.of(orders));
    }
}
