package dev.tasks.worker.cli;

import dev.tasks.TasksConfig;
import dev.tasks.spi.BrokerSettings;
import dev.tasks.spi.SchemaMigrator;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * {@code tasks migrate}: applies the broker's expanding schema migrations (SQL brokers), and with
 * {@code --contract} the contracting ones too; a no-op for Redis.
 */
@CommandLine.Command(name = "migrate", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Creates or upgrades the broker's tables (SQL brokers). Online-safe and safe to run from"
                + " several processes at once; brokers without a schema (Redis) need nothing.")
final class MigrateCommand implements Callable<Integer> {

    @CommandLine.Mixin
    BrokerOptions brokerOptions;

    @CommandLine.Option(names = "--contract",
            description = "Also apply contracting migrations (those that remove what older versions use). Run it"
                    + " only once no process of an older version runs; it refuses while a live worker announced one.")
    boolean contract;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        TasksConfig config = brokerOptions.config();
        BrokerSettings settings = config.brokerSettings(Clock.systemUTC());
        for (SchemaMigrator m : ServiceLoader.load(SchemaMigrator.class, MigrateCommand.class.getClassLoader())) {
            if (m.supports(settings.url())) {
                out.println(settings.redactedUrl() + ": " + (contract ? m.migrateAndContract(settings) : m.migrate(settings)));
                out.flush();
                return ExitCodes.OK;
            }
        }
        out.println(settings.redactedUrl() + ": this broker has no schema to migrate");
        out.flush();
        return ExitCodes.OK;
    }
}
