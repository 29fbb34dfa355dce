package dev.trickle.cli;

import java.util.List;
import java.util.stream.Collectors;

/** Descendant processes of the test JVM, for "nothing left behind" checks. */
final class ProcessChecks {
    private ProcessChecks() {
    }

    /** Live descendants of this JVM that are JVMs (child brokers, workers and so on). */
    static List<ProcessHandle> liveJavaDescendants() {
        return ProcessHandle.current().descendants()
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false))
                .collect(Collectors.toList());
    }

    static String describe(List<ProcessHandle> processes) {
        return processes.stream()
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                .map(s -> s.length() > 300 ? s.substring(0, 300) + "..." : s)
                .collect(Collectors.joining("\n"));
    }
}
