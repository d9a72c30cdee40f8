package dev.tasks.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tasks.memory.InMemoryBroker;
import dev.tasks.spi.Delivery;
import dev.tasks.spi.OutboundMessage;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;

/**
 * Bound beyond localhost, in a real browser: without credentials the dashboard is read-only (no action on
 * the page); with credentials a browser without them gets nothing, and with them it can act.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardAuthBrowserTest {
    private static final String PASSWORD = "correct-horse-battery";
    private final InMemoryBroker broker = InMemoryBroker.create();
    private Browser browser;
    private Dashboard dashboard;

    @BeforeAll
    void startBrowser() {
        browser = Browser.shared();
    }

    @AfterAll
    void stopBrowser() {
        broker.close();
    }

    @AfterEach
    void stopDashboard() {
        if (dashboard != null) {
            dashboard.close();
        }
    }

    private void deadLetter(String queue) {
        broker.publish(new OutboundMessage("m-" + System.nanoTime(), queue, 0, null,
                "{\"v\":1,\"id\":\"x\",\"task\":\"t\",\"args\":[]}"));
        List<Delivery> d = broker.fetch(List.of(queue), 1, Duration.ofMinutes(1), Duration.ZERO);
        broker.deadLetter(d.get(0), "dead on purpose");
    }

    @Test
    void bound_beyond_localhost_without_credentials_the_pages_offer_no_action() {
        deadLetter("open");
        dashboard = Dashboard.builder().broker(broker).bind("0.0.0.0").port(0).build().start();
        browser.driver.get("http://127.0.0.1:" + dashboard.port() + "/dead?queue=open");
        assertThat(browser.driver.findElement(By.id("read-only")).getText())
                .startsWith("Read-only: bound beyond localhost without credentials");
        assertThat(browser.driver.findElement(By.id("dead-count")).getText()).isEqualTo("1");
        assertThat(browser.driver.getPageSource()).doesNotContain("replay-all", "purge-all", "name=\"csrf\"");
    }

    @Test
    void with_credentials_a_browser_without_them_sees_nothing_and_with_them_can_purge() {
        deadLetter("locked");
        dashboard = Dashboard.builder().broker(broker).bind("0.0.0.0").port(0)
                .credentials(DashboardCredentials.of("ops", PASSWORD)).build().start();
        browser.driver.get("http://127.0.0.1:" + dashboard.port() + "/dead?queue=locked");
        // Chromium shows its sign-in prompt (none in headless mode) over the 401 answer: no page, no data
        assertThat(browser.driver.executeScript("return document.getElementById('dead-count') === null")).isEqualTo(true);
        assertThat(browser.driver.getPageSource()).doesNotContain("dead on purpose", "locked");

        browser.driver.get("http://ops:" + PASSWORD + "@127.0.0.1:" + dashboard.port() + "/dead?queue=locked");
        assertThat(browser.driver.findElement(By.id("dead-count")).getText()).isEqualTo("1");
        browser.driver.findElement(By.id("purge-all")).click();
        browser.driver.findElement(By.id("confirm-purge")).click();
        assertThat(browser.driver.findElement(By.id("notice")).getText()).isEqualTo("purged 1 dead letter(s) of queue locked");
        assertThat(broker.stats("locked").dead()).isZero();
    }
}
