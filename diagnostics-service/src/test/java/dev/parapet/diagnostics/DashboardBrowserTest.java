package dev.parapet.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.web.server.LocalServerPort;

import com.jayway.jsonpath.JsonPath;

import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import dev.parapet.stack.RealInfrastructure;

/**
 * The ops dashboard in a real browser (the system's headless Chromium through its chromedriver)
 * against the real broker and registry: what the page shows equals what was fed to the topics, the
 * live stream is open, a screenshot is kept, and the end-to-end delay from a verdict acknowledged by
 * Kafka to its count on the page is measured (printed, bounded only by the 30 s wait).
 */
@DiagnosticsServiceSpringTest
class DashboardBrowserTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Duration WAIT = Duration.ofSeconds(30);
    static final int SAMPLES = 5;

    @LocalServerPort
    int port;

    static Feed feed;
    static ChromeDriverService service;
    static ChromeDriver browser;
    static Path profile;

    @BeforeAll
    static void open() throws IOException {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new AssertionError("The dashboard's browser test needs Debian's chromium and chromium-driver (" + CHROMIUM + ", "
                    + CHROMEDRIVER + "): run .ci/install-prerequisites (apt-get install chromium chromium-driver).");
        }
        feed = new Feed();
        profile = Files.createTempDirectory("parapet-chromium-");
        // The system's driver and browser, named explicitly: Selenium Manager has nothing to find or download.
        service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort()
                .withLogFile(new File("target/chromedriver.log")).build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1440,1100", "--user-data-dir=" + profile);
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void close() throws IOException {
        if (browser != null) {
            browser.quit();
        }
        if (service != null) {
            service.stop();
        }
        if (feed != null) {
            feed.close();
        }
        if (profile != null) {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    record Device(String hostname, Feed.Report report, String finding) {
    }

    @Test
    void theDashboardShowsWhatWasFedAndFollowsNewVerdicts() throws Exception {
        UUID account = UUID.randomUUID();
        UUID office = UUID.randomUUID();
        Instant now = Instant.now();
        Feed.Report windows = new Feed.Report("Windows", "Enterprise", "11 23H2", true, "1.2.0", 0, 0);
        Feed.Report mac = new Feed.Report("macOS", null, "14.4", true, "1.2.0", 0, 0);
        List<Device> fleet = List.of(
                new Device("reception-pc", windows, null),
                new Device("finance-mac", mac, null),
                new Device("ceo-iphone", new Feed.Report("iOS", null, "17.1", true, "1.2.0", 0, 0), null),
                new Device("kiosk", new Feed.Report("Windows", "Home", "11 23H2", true, "1.2.0", 0, 0), "UNSUPPORTED_PLATFORM"),
                new Device("lab-mac", new Feed.Report("macOS", null, "14.4", false, "1.2.0", 0, 0), "AGENT_DISABLED"),
                new Device("old-laptop", new Feed.Report("Windows", "Pro", "11 23H2", true, "1.0.0", 0, 0), "OUTDATED_AGENT"));
        Map<UUID, Device> agents = new LinkedHashMap<>();
        for (Device device : fleet) {
            UUID agentId = UUID.randomUUID();
            agents.put(agentId, device);
            feed.agent(account, agentId, device.hostname(), now);
        }
        // Enrolled before they report, as in life (the topics are read independently).
        awaitDevices(account, fleet.size());
        for (Map.Entry<UUID, Device> agent : agents.entrySet()) {
            feed.telemetry(account, agent.getKey(), agent.getValue().report(), Instant.now());
        }
        // The agents go on reporting, as real ones do every few seconds: no NO_HEARTBEAT (20 s in tests) while the page is read.
        ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor();
        heartbeats.scheduleAtFixedRate(() -> agents.forEach((agentId, device) -> {
            try {
                feed.telemetry(account, agentId, device.report(), Instant.now());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }), 5, 5, TimeUnit.SECONDS);

        try {
            List<DnsVerdict> verdicts = new ArrayList<>();
            for (String name : List.of("intranet.test", "intranet.test", "mail.test", "mail.test", "docs.test", "news.test")) {
                verdicts.add(Feed.verdict(account, now, Action.ALLOWED, name, List.of(), office, null, null));
            }
            for (int i = 0; i < 3; i++) {
                verdicts.add(Feed.verdict(account, now, Action.BLOCKED, "login-verify.test", List.of("phishing"), office, null, null));
            }
            for (int i = 0; i < 2; i++) {
                verdicts.add(Feed.verdict(account, now, Action.BLOCKED, "casino.test", List.of("gambling"), office, null, null));
            }
            verdicts.add(Feed.verdict(account, now, Action.WARNED, "social.test", List.of("social-networking"), office, null, null));
            verdicts.add(Feed.verdict(account, now, Action.ALLOWED, "flaky.test", List.of(), office, null, null, "SERVFAIL"));
            feed.verdicts(verdicts);
            long queries = verdicts.size();
            long blocked = verdicts.stream().filter(v -> v.getAction() != Action.ALLOWED).count();

            browser.get("about:blank");
            browser.get("http://127.0.0.1:" + port + "/dashboard#token=" + admin(account));
            WebDriverWait wait = new WebDriverWait(browser, WAIT, Duration.ofMillis(100));
            wait.until(ExpectedConditions.attributeToBe(By.tagName("body"), "data-loaded", "true"));
            wait.until(ExpectedConditions.attributeToBe(By.id("connection"), "data-state", "live"));
            assertThat(browser.getCurrentUrl()).as("the token leaves the address bar").doesNotContain("token=");

            // The aggregation is asynchronous: wait for the totals, then everything else must match at once.
            wait.until(ExpectedConditions.textToBe(By.id("total-queries"), String.valueOf(queries)));
            wait.until(ExpectedConditions.textToBe(By.id("total-blocked"), String.valueOf(blocked)));
            wait.until(ExpectedConditions.textToBe(By.id("devices-total"), String.valueOf(fleet.size())));
            wait.until(d -> d.findElements(By.cssSelector("#devices span[data-finding]")).size() == 3);
            assertThat(text("devices-protected")).isEqualTo("5");
            assertThat(text("devices-findings")).isEqualTo("3 with findings");
            assertThat(text("blocked-share")).isEqualTo("46.2% of queries");
            assertThat(text("total-failed")).isEqualTo("1");
            assertThat(listed("#top-failed tr[data-name]", "data-name")).containsExactly(Map.entry("flaky.test", "1"));

            redrawSafe(() -> {
                List<WebElement> rows = browser.findElements(By.cssSelector("#devices tr[data-agent]"));
                assertThat(rows).hasSize(fleet.size());
                for (Map.Entry<UUID, Device> agent : agents.entrySet()) {
                    WebElement row = browser.findElement(By.cssSelector("#devices tr[data-agent='" + agent.getKey() + "']"));
                    Device device = agent.getValue();
                    assertThat(row.findElement(By.cssSelector("td")).getText()).isEqualTo(device.hostname());
                    List<String> chips = row.findElements(By.cssSelector("span[data-finding]")).stream()
                            .map(chip -> chip.getDomAttribute("data-finding")).toList();
                    assertThat(chips).as(device.hostname()).isEqualTo(device.finding() == null ? List.of() : List.of(device.finding()));
                    String state = device.report().enabled() ? "protected" : "not protected";
                    assertThat(row.findElement(By.cssSelector("span.badge")).getText()).as(device.hostname()).isEqualTo(state);
                }
                assertThat(browser.findElement(By.cssSelector("tr[data-agent] span[data-finding=UNSUPPORTED_PLATFORM]")).getText())
                        .isEqualTo("unsupported platform");
            });

            assertThat(listed("#categories li[data-category]", "data-category")).containsExactly(
                    Map.entry("phishing", "3"), Map.entry("gambling", "2"), Map.entry("social-networking", "1"));
            assertThat(listed("#top-blocked tr[data-name]", "data-name")).containsExactly(
                    Map.entry("login-verify.test", "3"), Map.entry("casino.test", "2"), Map.entry("social.test", "1"));
            redrawSafe(() -> {
                WebElement phishing = browser.findElement(By.cssSelector("#security li[data-security=phishing]"));
                assertThat(phishing.findElement(By.cssSelector(".n")).getText()).isEqualTo("3");
                assertThat(phishing.getDomAttribute("class")).isEqualTo("hit");
                assertThat(browser.findElement(By.cssSelector("#security li[data-security=malware] .n")).getText()).isEqualTo("0");
            });
            assertThat(text("connection-text")).isEqualTo("live");
            // The live counters have come (the per-second tiles hold numbers, not the placeholder).
            wait.until(d -> text("qps").matches("\\d+"));

            screenshot();

            List<Long> delays = new ArrayList<>();
            for (int i = 1; i <= SAMPLES; i++) {
                String expected = String.valueOf(blocked + i);
                js().executeScript("""
                        const want = arguments[0];
                        window.parapetSeen = null;
                        clearInterval(window.parapetPoll);
                        window.parapetPoll = setInterval(() => {
                          if (document.getElementById("total-blocked").textContent === want) {
                            window.parapetSeen = Date.now();
                            clearInterval(window.parapetPoll);
                          }
                        }, 20);""", expected);
                feed.verdicts(List.of(Feed.verdict(account, Instant.now(), Action.BLOCKED, "casino.test", List.of("gambling"),
                        office, null, null)));
                long acknowledged = System.currentTimeMillis();
                Number seen = (Number) wait.withMessage("the page shows " + expected + " blocked")
                        .until(d -> js().executeScript("return window.parapetSeen;"));
                delays.add(seen.longValue() - acknowledged);
                // Pause a varied while, so the samples fall at different phases of the page's and the stream's ticks.
                Thread.sleep(300 + 370L * i % 1000);
            }
            List<Long> sorted = delays.stream().sorted().toList();
            System.out.println("dashboard end-to-end delay ms: p50=" + sorted.get(sorted.size() / 2) + " max=" + sorted.get(sorted.size() - 1)
                    + " samples=" + delays);
            assertThat(text("total-queries")).isEqualTo(String.valueOf(queries + SAMPLES));
        } finally {
            heartbeats.shutdownNow();
        }
    }

    /**
     * Issue 14: when every query was blocked, the queries line lay exactly under the blocked line and
     * vanished. The total is drawn last (on top), dashed and thinner than the blocked line under it,
     * so both show; failed queries (upstream SERVFAIL or REFUSED) get a line, a tile and a list of their own.
     */
    @Test
    void theChartShowsQueriesOverBlockedAndFailedQueries() throws Exception {
        UUID account = UUID.randomUUID();
        UUID office = UUID.randomUUID();
        List<DnsVerdict> blocked = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            blocked.add(Feed.verdict(account, Instant.now(), Action.BLOCKED, "casino.test", List.of("gambling"), office, null, null));
        }
        feed.verdicts(blocked);

        // A page of its own: another document, so that this account's token is read from the fragment.
        browser.get("about:blank");
        browser.get("http://127.0.0.1:" + port + "/dashboard#token=" + admin(account));
        WebDriverWait wait = new WebDriverWait(browser, WAIT, Duration.ofMillis(100));
        wait.until(ExpectedConditions.attributeToBe(By.id("connection"), "data-state", "live"));
        wait.until(ExpectedConditions.textToBe(By.id("total-blocked"), "5"));
        wait.until(d -> !flat(chart().get("b")));

        // Every query blocked: the two lines coincide, the queries line drawn over the blocked one and still seen.
        Map<String, String> lines = chart();
        assertThat(lines.get("q")).as("the queries line follows the blocked line when every query was blocked").isEqualTo(lines.get("b"));
        List<String> order = List.copyOf(lines.keySet());
        assertThat(order).as("drawn failed, blocked, then queries on top").containsExactly("f", "b", "q");
        Map<String, String> queries = stroke("q");
        Map<String, String> blocks = stroke("b");
        assertThat(queries.get("dash")).as("the queries line is dashed").isNotEqualTo("none");
        assertThat(blocks.get("dash")).as("the blocked line is solid").isEqualTo("none");
        assertThat(Double.parseDouble(queries.get("width").replace("px", "")))
                .as("the queries line is thinner than the blocked line under it, which shows on both sides")
                .isLessThan(Double.parseDouble(blocks.get("width").replace("px", "")));
        assertThat(browser.findElements(By.cssSelector(".legend [data-line]")).stream().map(e -> e.getDomAttribute("data-line")).toList())
                .containsExactly("q", "b", "f");
        assertThat(text("total-failed")).isEqualTo("0");

        // Queries the upstream failed: their own line, tile and list; not among the allowed ones.
        feed.verdicts(List.of(Feed.verdict(account, Instant.now(), Action.ALLOWED, "down.test", List.of(), office, null, null, "SERVFAIL"),
                Feed.verdict(account, Instant.now(), Action.ALLOWED, "down.test", List.of(), office, null, null, "SERVFAIL"),
                Feed.verdict(account, Instant.now(), Action.ALLOWED, "picky.test", List.of(), office, null, null, "REFUSED")));
        wait.until(ExpectedConditions.textToBe(By.id("total-failed"), "3"));
        wait.until(d -> !flat(chart().get("f")));
        lines = chart();
        assertThat(lines.get("q")).isNotEqualTo(lines.get("b"));
        assertThat(text("total-queries")).isEqualTo("8");
        assertThat(text("failed-share")).isEqualTo("37.5% of queries");
        assertThat(listed("#top-failed tr[data-name]", "data-name")).containsExactly(Map.entry("down.test", "2"), Map.entry("picky.test", "1"));
        assertThat(stroke("f").get("color")).as("the failed line has a colour of its own").isNotIn(stroke("q").get("color"),
                stroke("b").get("color"));
    }

    /** The chart's lines (not the grid) in drawing order, class to d, read at once (the chart is redrawn every second). */
    static Map<String, String> chart() {
        @SuppressWarnings("unchecked")
        List<List<String>> paths = (List<List<String>>) js().executeScript("""
                return [...document.querySelectorAll("#rate-chart path")].map(p => [p.getAttribute("class"), p.getAttribute("d")]);""");
        Map<String, String> lines = new LinkedHashMap<>();
        paths.stream().filter(p -> !"grid".equals(p.get(0))).forEach(p -> lines.put(p.get(0), p.get(1)));
        return lines;
    }

    /** Whether a line lies on the zero baseline all along (every y is the chart's bottom). */
    static boolean flat(String d) {
        return d == null || java.util.Arrays.stream(d.split("[ML]")).map(String::trim).filter(p -> !p.isEmpty())
                .allMatch(p -> p.endsWith(" 115.0"));
    }

    /** The computed stroke of the chart's line of that class. */
    static Map<String, String> stroke(String line) {
        @SuppressWarnings("unchecked")
        Map<String, String> style = (Map<String, String>) js().executeScript("""
                const s = getComputedStyle(document.querySelector("#rate-chart path." + arguments[0]));
                return {dash: s.strokeDasharray, width: s.strokeWidth, color: s.stroke};""", line);
        return style;
    }

    static String admin(UUID account) {
        return RealInfrastructure.get().tokens().adminToken("admin@example.com", account, "FULL_ADMIN", Duration.ofMinutes(10));
    }

    /** Waits until the account's inventory lists that many devices. */
    void awaitDevices(UUID account, int count) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/accounts/" + account
                + "/diagnostics/devices")).header("Authorization", "Bearer " + admin(account)).build();
        long deadline = System.nanoTime() + WAIT.toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            last = response.body();
            if (response.statusCode() == 200 && JsonPath.<Integer>read(last, "$.total") == count) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the inventory did not list " + count + " devices within " + WAIT + "; last answered " + last);
    }

    static JavascriptExecutor js() {
        return browser;
    }

    static String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    /** Each element's key attribute and the text of its count ({@code .n}), in page order. */
    static List<Map.Entry<String, String>> listed(String selector, String attribute) {
        // Read in one script: the live page redraws its lists, and element by element a read can meet a redrawn one.
        @SuppressWarnings("unchecked")
        List<List<String>> pairs = (List<List<String>>) js().executeScript("""
                return Array.from(document.querySelectorAll(arguments[0]),
                        e => [e.getAttribute(arguments[1]), e.querySelector('.n').innerText]);""", selector, attribute);
        return pairs.stream().map(pair -> Map.entry(pair.get(0), pair.get(1))).collect(Collectors.toList());
    }

    /** Runs checks that read elements one by one again if the live page redrew one of them meanwhile. */
    static void redrawSafe(Runnable checks) {
        for (int attempt = 1;; attempt++) {
            try {
                checks.run();
                return;
            } catch (StaleElementReferenceException redrawn) {
                if (attempt == 5) {
                    throw redrawn;
                }
            }
        }
    }

    /**
     * The whole page (beyond the window) as PNG, to target/; also to docs/images/ for the docs with
     * {@code -Dparapet.docs-screenshot=true}, so that a test run leaves the working tree clean.
     */
    static void screenshot() throws IOException {
        Map<String, Object> metrics = browser.executeCdpCommand("Page.getLayoutMetrics", Map.of());
        @SuppressWarnings("unchecked")
        Map<String, Object> content = (Map<String, Object>) metrics.get("cssContentSize");
        // The window's width, not the content's: captured beyond the viewport, the page has no scroll bar to leave room for.
        double width = Math.max(((Number) content.get("width")).doubleValue(),
                ((Number) js().executeScript("return window.innerWidth;")).doubleValue());
        Map<String, Object> clip = Map.of("x", 0, "y", 0, "width", width,
                "height", ((Number) content.get("height")).doubleValue(), "scale", 1);
        Map<String, Object> shot = browser.executeCdpCommand("Page.captureScreenshot",
                Map.of("format", "png", "captureBeyondViewport", true, "clip", clip));
        byte[] png = Base64.getDecoder().decode((String) shot.get("data"));
        Files.createDirectories(Path.of("target"));
        Files.write(Path.of("target", "dashboard.png"), png);
        if (Boolean.getBoolean("parapet.docs-screenshot")) {
            Path docs = Path.of(System.getProperty("parapet.root", ".."), "docs", "images");
            Files.createDirectories(docs);
            Files.write(docs.resolve("dashboard.png"), png);
        }
    }
}
