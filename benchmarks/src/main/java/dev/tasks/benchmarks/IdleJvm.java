package dev.tasks.benchmarks;

/** A JVM that does nothing: the baseline of start-up time and resident memory. Prints READY, then waits. */
public final class IdleJvm {
    static final String READY = "READY";

    private IdleJvm() {}

    /** Prints {@value #READY} and waits until killed or stdin closes. */
    public static void main(String[] args) throws Exception {
        System.out.println(READY);
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait
        }
    }
}
