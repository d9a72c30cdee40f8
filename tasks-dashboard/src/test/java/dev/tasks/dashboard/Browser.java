package dev.tasks.dashboard;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A headless Chromium driven through the system's chromedriver ({@code /usr/bin/chromium},
 * {@code /usr/bin/chromedriver}; Debian's {@code chromium} and {@code chromium-driver}), with a new empty
 * profile and no background traffic. Nothing is downloaded. Without the browser the test fails under
 * {@code CI=true} and is skipped otherwise.
 */
final class Browser implements AutoCloseable {
    static final Path CHROMIUM = Path.of(System.getProperty("tasks.test.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("tasks.test.chromedriver", "/usr/bin/chromedriver"));
    /** With {@code -Dtasks.dashboard.updateScreenshots=true} the tests write docs/images/dashboard-*.png. */
    static final boolean UPDATE_SCREENSHOTS = Boolean.getBoolean("tasks.dashboard.updateScreenshots");

    final ChromeDriver driver;
    private final Path profile;

    private Browser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    private static Browser shared;

    /**
     * The browser all test classes of this JVM share (starting Chromium takes seconds on a busy machine);
     * it quits when the JVM exits. Each test class opens its own dashboard.
     */
    static synchronized Browser shared() {
        if (shared == null) {
            Browser b = start();
            Runtime.getRuntime().addShutdownHook(new Thread(b::close, "dashboard-test-browser-quit"));
            shared = b;
        }
        return shared;
    }

    static Browser start() {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            String what = "the browser tests need " + CHROMIUM + " and " + CHROMEDRIVER
                    + " (apt-get install chromium chromium-driver)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(what + "; missing under CI=true");
            }
            assumeTrue(false, what + "; skipping");
        }
        System.setProperty("SE_AVOID_STATS", "true");
        Path profile;
        try {
            profile = Files.createTempDirectory("dashboard-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,900", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
        long t0 = System.nanoTime();
        ChromeDriver driver = new ChromeDriver(service, options);
        System.out.printf("chromium started in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20));
        // a click that submits a form returns before the next page is there: lookups wait for it
        driver.manage().timeouts().implicitlyWait(Duration.ofSeconds(5));
        return new Browser(driver, profile);
    }

    /**
     * Saves a screenshot of the page as {@code target/screenshots/<name>.png}, and as
     * {@code docs/images/<name>.png} when {@link #UPDATE_SCREENSHOTS} is set.
     */
    void screenshot(String name) {
        try {
            File shot = driver.getScreenshotAs(OutputType.FILE);
            Path target = Path.of("target", "screenshots");
            Files.createDirectories(target);
            Files.copy(shot.toPath(), target.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
            Path docs = Path.of("..", "docs", "images");
            if (UPDATE_SCREENSHOTS && Files.isDirectory(docs.getParent())) {
                Files.createDirectories(docs);
                Files.copy(shot.toPath(), docs.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temporary profile left behind is harmless
            }
        }
    }
}
