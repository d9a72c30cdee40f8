package dev.tasks.worker.cli;

import dev.tasks.TaskHandle;
import dev.tasks.TaskState;
import dev.tasks.spi.Broker;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/** {@code tasks revoke ID... [--terminate]}: revokes tasks by id. */
@CommandLine.Command(name = "revoke", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Revokes tasks by id: a queued or delayed task never starts (even if no worker runs now); its"
                + " state becomes REVOKED. With --terminate, a run in progress is interrupted at its worker's next"
                + " heartbeat. Revocations are remembered for 7 days.")
final class RevokeCommand implements Callable<Integer> {

    @CommandLine.Mixin
    BrokerOptions brokerOptions;

    @CommandLine.Parameters(arity = "1..*", paramLabel = "ID", description = "Task ids to revoke.")
    List<String> ids;

    @CommandLine.Option(names = "--terminate", description = "Also interrupt runs in progress (soft time limit path).")
    boolean terminate;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (Broker broker = brokerOptions.open(brokerOptions.config())) {
            for (String id : ids) {
                if (id.isBlank()) {
                    throw new TasksCli.UsageException("task id must not be empty");
                }
                TaskHandle h = TaskHandle.of(id, null, null, broker, Clock.systemUTC());
                TaskState before = h.state();
                h.revoke(terminate);
                out.println("revoked task " + id + (before.isFinal() && before != TaskState.REVOKED
                        ? " (it had already ended " + before + ")"
                        : terminate ? " (a run in progress is interrupted at its worker's next heartbeat)" : ""));
            }
            out.flush();
            return ExitCodes.OK;
        }
    }
}
