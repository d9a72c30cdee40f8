package dev.tasks.worker.cli;

/**
 * The {@code worker} launcher: {@code worker -Q orders -c 4} is {@code tasks worker -Q orders -c 4}.
 */
public final class WorkerMain {
    private WorkerMain() {}

    /**
     * Runs {@code tasks worker} with these arguments and exits with its code. SIGTERM or SIGINT at any
     * moment from here on ends in exit code 0 (see {@link StartSignals}).
     */
    public static void main(String[] args) {
        StartSignals.install();
        String[] all = new String[args.length + 1];
        all[0] = "worker";
        System.arraycopy(args, 0, all, 1, args.length);
        TasksCli.main(all);
    }
}
