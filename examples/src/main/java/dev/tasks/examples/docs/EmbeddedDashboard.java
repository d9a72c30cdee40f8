package dev.tasks.examples.docs;

import dev.tasks.dashboard.Dashboard;
import dev.tasks.dashboard.DashboardCredentials;
import dev.tasks.spi.Broker;

/** The operators' dashboard started by the application itself (docs/dashboard.md). */
public final class EmbeddedDashboard {
    private EmbeddedDashboard() {}

    static Dashboard start(Broker broker) {
        Dashboard dashboard = Dashboard.builder()
                .broker(broker)
                .bind("0.0.0.0")
                .port(7070)
                .credentials(DashboardCredentials.fromEnvironment(System.getenv()).orElse(null))
                .readOnly(false)
                .build()
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(dashboard::close, "dashboard-stop"));
        return dashboard;
    }
}
