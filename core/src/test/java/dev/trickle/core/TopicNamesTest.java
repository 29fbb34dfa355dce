package dev.trickle.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TopicNamesTest {
    @Test
    void plainNamesStayReadable() {
        assertEquals("trickle.changes.public.orders", TopicNames.changes("trickle", "public", "orders"));
        assertEquals("trickle.delta.public.order_totals", TopicNames.delta("trickle", "public", "order_totals"));
    }

    @Test
    void namesThatKafkaRefusesAreMadeSafeAndDistinct() {
        String a = TopicNames.delta("trickle", "public", "Order Totals");
        String b = TopicNames.delta("trickle", "public", "Order_Totals");
        String c = TopicNames.delta("trickle", "public", "Order.Totals");
        assertTrue(a.matches("[a-zA-Z0-9._-]+"), a);
        assertNotEquals(a, b);
        assertNotEquals(a, c);
        assertTrue("trickle.delta.public.x".matches(TopicNames.deltaRegex("trickle")));
    }
}
