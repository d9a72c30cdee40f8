package dev.tasks.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tasks.Brokers;
import dev.tasks.TaskState;
import dev.tasks.spi.Broker;
import dev.tasks.spi.ControlStore;
import dev.tasks.spi.ResultStore;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RevokeCommandTest {
    private String out;
    private String err;

    private int run(String... args) {
        CliRun r = CliRun.of(args);
        out = r.out();
        err = r.err();
        return r.code();
    }

    @Test
    void revoke_records_revocations_in_the_broker_and_the_revoked_state() {
        String url = "memory://revoke-" + UUID.randomUUID().toString().substring(0, 8);
        Broker broker = Brokers.open(url);
        ControlStore control = broker.control();
        ResultStore results = broker.results();

        assertThat(run("revoke", "--broker", url, "t-1", "t-2")).isZero();
        assertThat(out.lines()).containsExactly("revoked task t-1", "revoked task t-2");
        assertThat(control.revoked(List.of("t-1", "t-2", "t-3"))).isEqualTo(Map.of("t-1", false, "t-2", false));
        assertThat(results.get("t-1")).hasValueSatisfying(r -> assertThat(r.state()).isEqualTo(TaskState.REVOKED));
    }

    @Test
    void revoke_with_terminate_sets_the_flag() {
        String url = "memory://revoke-" + UUID.randomUUID().toString().substring(0, 8);
        ControlStore control = Brokers.open(url).control();

        assertThat(run("revoke", "--broker", url, "--terminate", "t-9")).isZero();
        assertThat(out).contains("revoked task t-9").contains("interrupted at its worker's next heartbeat");
        assertThat(control.revoked(List.of("t-9"))).isEqualTo(Map.of("t-9", true));
    }

    @Test
    void revoke_without_an_id_is_a_usage_error() {
        assertThat(run("revoke", "--broker", "memory://x")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.strip().lines().count()).isEqualTo(1);
    }
}
