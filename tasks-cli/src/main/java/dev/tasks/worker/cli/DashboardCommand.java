package dev.tasks.worker.cli;

import dev.tasks.ConfigurationException;
import dev.tasks.dashboard.Dashboard;
import dev.tasks.dashboard.DashboardCredentials;
import dev.tasks.spi.Broker;
import dev.tasks.spi.support.LogSafe;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import picocli.CommandLine;

/**
 * {@code tasks dashboard}: serves the web dashboard over the configured broker until SIGTERM or SIGINT,
 * then exits 0. Bound to {@code 127.0.0.1} unless told otherwise; bound beyond loopback, its write actions
 * (replay, purge, revoke) are off unless a password comes from {@code TASKS_DASHBOARD_PASSWORD} or
 * {@code TASKS_DASHBOARD_PASSWORD_FILE} (never from the command line, which other users can read).
 */
@CommandLine.Command(name = "dashboard", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Serves the web dashboard (queues, dead letters, tasks, workers) over the broker until SIGTERM"
                + " or SIGINT.",
            "Credentials: TASKS_DASHBOARD_PASSWORD or TASKS_DASHBOARD_PASSWORD_FILE, user TASKS_DASHBOARD_USER"
                + " (default admin). Without them, replay, purge and revoke are off unless bound to loopback."})
final class DashboardCommand implements Callable<Integer> {
    private static final Logger log = LogSafe.logger(DashboardCommand.class);

    @CommandLine.Mixin
    BrokerOptions brokerOptions;

    @CommandLine.Option(names = "--bind", paramLabel = "ADDRESS",
            description = "Address to listen on. Default: " + Dashboard.DEFAULT_BIND + " (this machine only);"
                    + " 0.0.0.0 for every interface.")
    String bind;

    @CommandLine.Option(names = {"-p", "--port"}, paramLabel = "PORT",
            description = "Port to listen on (0: any free port). Default: " + Dashboard.DEFAULT_PORT + ".")
    Integer port;

    @CommandLine.Option(names = "--read-only", description = "Turn replay, purge and revoke off.")
    boolean readOnly;

    @CommandLine.Option(names = "--refresh", paramLabel = "DURATION", converter = Converters.DurationValue.class,
            description = "How often counts are read and the overview redraws itself (e.g. 2s). Default: 2s.")
    Duration refresh;

    @CommandLine.Mixin
    BrokerWaitOption brokerWait;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        if (port != null && (port < 0 || port > 65535)) {
            throw new ConfigurationException("--port must be between 0 and 65535, was " + port);
        }
        var config = brokerOptions.config();
        Dashboard.Builder builder = Dashboard.builder().readOnly(readOnly);
        if (bind != null) {
            builder.bind(bind);
        }
        if (port != null) {
            builder.port(port);
        }
        if (refresh != null) {
            builder.refresh(refresh);
        }
        DashboardCredentials.fromEnvironment(System.getenv()).ifPresent(builder::credentials);
        CountDownLatch stop = new CountDownLatch(1);
        Signals.install(stop::countDown, stop::countDown);
        try (Broker broker = brokerOptions.open(config, brokerWait.resolve(config));
                Dashboard dashboard = builder.broker(broker).build().start()) {
            PrintWriter out = spec.commandLine().getOut();
            out.println("dashboard on " + dashboard.url() + " for " + broker.describe()
                    + (dashboard.readOnlyReason() == null ? "" : " (read-only: " + dashboard.readOnlyReason() + ")"));
            out.flush();
            if (StartSignals.exiting()) {
                return ExitCodes.OK;
            }
            stop.await();
            log.info("signal received: stopping the dashboard");
            return ExitCodes.OK;
        }
    }
}
