package dev.trickle.cli;

/** Runs the local stack's supervisor in a thread for a test (the class itself is package-private). */
public final class StackSupervisorAccess {
    private final StackSupervisor supervisor;
    private final Thread thread;
    private final LocalStack stack;

    private StackSupervisorAccess(LocalStack stack) {
        this.stack = stack;
        this.supervisor = new StackSupervisor(stack, new Progress(System.err));
        this.thread = new Thread(supervisor, "stack-supervisor");
    }

    public static StackSupervisorAccess start(LocalStack stack) {
        StackSupervisorAccess a = new StackSupervisorAccess(stack);
        a.thread.start();
        return a;
    }

    public int restarts() {
        return supervisor.restarts();
    }

    public String describe() {
        return StackSupervisor.describe(stack);
    }

    /** Stops the supervisor and waits for its thread (a restart under way finishes first). */
    public void stop() throws InterruptedException {
        supervisor.stop();
        thread.join(120_000);
    }
}
