package dev.trickle.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.trickle.cli.LocalStack;
import java.util.List;

/** The local stack's connector tasks, as the benchmarks that wait on them check them. */
final class ConnectTasks {
    private ConnectTasks() {
    }

    /** A failed connector task never comes back by itself: fail the run at once, with its trace. */
    static void requireNoneFailed(LocalStack stack) {
        for (String name : List.of(stack.sourceConnector().name(), stack.sinkConnector().name())) {
            JsonNode status = stack.connectWorker().status(name);
            for (JsonNode task : status == null ? MissingNode.getInstance() : status.path("tasks")) {
                if ("FAILED".equals(task.path("state").asText())) {
                    String trace = task.path("trace").asText();
                    throw new IllegalStateException("task " + task.path("id").asText() + " of connector " + name + " FAILED: "
                            + trace.substring(0, Math.min(600, trace.length())));
                }
            }
        }
    }
}
