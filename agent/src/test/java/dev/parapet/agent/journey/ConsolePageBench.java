package dev.parapet.agent.journey;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The server time of each console page under a large account: 10 000 enrolled devices and 200 000 blocked domains
 * (the phishing and drugs lists of {@code ../shared/data}), measured in Chromium from the Resource Timing of the page's
 * own API calls (request sent to first byte back: the console's relay and the service). Not part of the test run (its
 * name ends in Bench); against a running local stack whose key-service lets 10 000 agents enrol at once:
 *
 * <pre>
 * PARAPET_KEYS_ENROLMENTSPERADDRESSPERMINUTE=1000000 PARAPET_KEYS_ENROLMENTSPERKEYPERMINUTE=1000000 ./run-local-stack
 * PARAPET_JOURNEY_RUNNING_STACK=.data mvn -pl agent test -Dtest=ConsolePageBench -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * It prints, per page, p50/p99/max of the page's slowest API call and of the time until its last call completed.
 */
class ConsolePageBench {

    static final int DEVICES = Integer.getInteger("bench.devices", 10_000);
    static final int SAMPLES = Integer.getInteger("bench.samples", 30);
    static final Path LISTS = Path.of("..", "..", "shared", "data", "blocklists").toAbsolutePath().normalize();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** The pages, with how many API calls each makes when it is opened afresh (GET access included). */
    static final Map<String, Integer> PAGES = new LinkedHashMap<>();

    static {
        PAGES.put("agent-settings", 5);
        PAGES.put("policies", 5);
        PAGES.put("locations", 2);
        PAGES.put("exceptions", 2);
        PAGES.put("profile-groups", 3);
        PAGES.put("categories", 2);
        PAGES.put("devices", 2);
        PAGES.put("access-requests", 2);
        PAGES.put("reports", 3);
        PAGES.put("audit", 2);
    }

    @BeforeAll
    static void open() throws Exception {
        ConsoleBrowserTest.open();
        seedDevices();
        seedDomains();
    }

    @AfterAll
    static void close() {
        ConsoleBrowserTest.close();
    }

    @Test
    void serverTimePerPage() throws Exception {
        ConsoleBrowserTest.signIn("admin@demo.parapet.local");
        ConsoleBrowserTest.waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("who"), "SUPER_ADMIN"));
        List<String> report = new ArrayList<>();
        report.add(String.format(Locale.ROOT, "%-28s %8s %8s %8s   %8s %8s %8s", "page (ms)", "call p50", "p99", "max",
                "done p50", "p99", "max"));
        for (Map.Entry<String, Integer> page : PAGES.entrySet()) {
            List<double[]> samples = new ArrayList<>();
            for (int i = 0; i < SAMPLES + 3; i++) {
                double[] sample = open(page.getKey(), page.getValue());
                if (i >= 3) {
                    samples.add(sample);
                }
            }
            report.add(line(page.getKey(), samples));
        }
        // Opening the editor of the 190 000-domain policy (one call: the whole policy, lists included).
        List<double[]> editor = new ArrayList<>();
        for (int i = 0; i < SAMPLES + 3; i++) {
            open("policies", PAGES.get("policies"));
            clear();
            ConsoleBrowserTest.browser.findElement(By.xpath("//button[@aria-label='Edit Bench phishing']")).click();
            double[] sample = awaitCalls(1);
            ConsoleBrowserTest.waitFor(driver -> !driver.findElement(By.id("policy-blocked")).getAttribute("value").isEmpty());
            if (i >= 3) {
                editor.add(sample);
            }
        }
        report.add(line("policy editor (190k list)", editor));
        // A search of the device inventory (one call, every device read and matched by diagnostics-service).
        List<double[]> search = new ArrayList<>();
        for (int i = 0; i < SAMPLES + 3; i++) {
            open("devices", PAGES.get("devices"));
            clear();
            ConsoleBrowserTest.type("device-search", "bench-0042");
            ConsoleBrowserTest.browser.findElement(By.cssSelector("#device-filters button[type='submit']")).click();
            double[] sample = awaitCalls(1);
            if (i >= 3) {
                search.add(sample);
            }
        }
        report.add(line("device search", search));
        String text = String.join("\n", report);
        System.out.println("\n" + text + "\n");
        Files.writeString(Path.of("target", "console-page-bench.txt"), text + "\n");
    }

    /** Opens the page afresh (a reload, as a person arriving) and waits for all its API calls; [slowest call, done]. */
    static double[] open(String page, int calls) {
        ConsoleBrowserTest.browser.get(ConsoleBrowserTest.CONSOLE + "/?bench=" + System.nanoTime() + "#" + page);
        return awaitCalls(calls);
    }

    static void clear() {
        ConsoleBrowserTest.browser.executeScript("performance.clearResourceTimings()");
    }

    @SuppressWarnings("unchecked")
    static double[] awaitCalls(int calls) {
        double[][] result = new double[1][];
        ConsoleBrowserTest.waitFor(driver -> {
            List<Object> timing = (List<Object>) ConsoleBrowserTest.browser.executeScript("""
                    const calls = performance.getEntriesByType('resource').filter(e => e.name.includes('/api/') && e.responseEnd > 0);
                    return [calls.length, Math.max(0, ...calls.map(e => e.responseStart - e.requestStart)),
                            Math.max(0, ...calls.map(e => e.responseEnd)) - Math.min(...calls.map(e => e.startTime))];
                    """);
            if (((Number) timing.get(0)).intValue() < calls) {
                return false;
            }
            result[0] = new double[] {((Number) timing.get(1)).doubleValue(), ((Number) timing.get(2)).doubleValue()};
            return true;
        });
        return result[0];
    }

    static String line(String name, List<double[]> samples) {
        double[] call = samples.stream().mapToDouble(s -> s[0]).sorted().toArray();
        double[] done = samples.stream().mapToDouble(s -> s[1]).sorted().toArray();
        return String.format(Locale.ROOT, "%-28s %8.1f %8.1f %8.1f   %8.1f %8.1f %8.1f", name, pct(call, 50), pct(call, 99),
                call[call.length - 1], pct(done, 50), pct(done, 99), done[done.length - 1]);
    }

    static double pct(double[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    // --- seeding -------------------------------------------------------------------------------------------------------

    static void seedDevices() throws Exception {
        int have = ConsoleBrowserTest.api("GET", "diagnostics/devices?size=1").get("total").asInt();
        if (have >= DEVICES) {
            return;
        }
        if (ConsoleBrowserTest.status("GET", "key") == 404) {
            assertThat(post("http://127.0.0.1:18101/api/v1/accounts/" + JourneyStack.account + "/key", "", "application/json").statusCode())
                    .isBetween(200, 299);
        }
        String key = ConsoleBrowserTest.api("GET", "key?reveal=true").get("key").asText();
        Semaphore inFlight = new Semaphore(16);
        AtomicInteger failed = new AtomicInteger();
        List<CompletableFuture<?>> all = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = have; i < DEVICES; i++) {
            String body = String.format(Locale.ROOT, "{\"key\":\"%s\",\"deviceId\":\"bench-%05d\",\"hostname\":\"bench-%05d\","
                    + "\"osName\":\"Windows\",\"osVersion\":\"11 23H2\",\"agentVersion\":\"1.0.0\"}", key, i, i);
            inFlight.acquire();
            all.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:18101/agent/v1/enrolments"))
                            .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding())
                    .whenComplete((response, error) -> {
                        inFlight.release();
                        if (error != null || response.statusCode() >= 300) {
                            failed.incrementAndGet();
                        }
                    }));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
        System.out.printf(Locale.ROOT, "enrolled %d agents in %.1f s, %d failed%n", DEVICES - have,
                (System.nanoTime() - started) / 1e9, failed.get());
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (ConsoleBrowserTest.api("GET", "diagnostics/devices?size=1").get("total").asInt() < DEVICES) {
            assertThat(System.nanoTime()).as("the inventory holds " + DEVICES + " devices within 5 minutes").isLessThan(deadline);
            Thread.sleep(1000);
        }
    }

    static void seedDomains() throws Exception {
        for (String[] list : new String[][] {{"Bench phishing", "phishing.txt"}, {"Bench drugs", "drugs.txt"}}) {
            JsonNode policy = ConsoleBrowserTest.policyNamed(list[0]);
            String base = "http://127.0.0.1:18102/api/v1/accounts/" + JourneyStack.account + "/policies";
            if (policy == null) {
                HttpResponse<String> created = post(base, "{\"name\":\"" + list[0] + "\",\"type\":\"BLOCK_ALLOW_LIST\",\"priority\":900,"
                        + "\"scope\":{\"everyone\":true},\"blockAllowList\":{\"blocked\":[]}}", "application/json");
                assertThat(created.statusCode()).as(created.body()).isBetween(200, 299);
                policy = ConsoleBrowserTest.policyNamed(list[0]);
            }
            if (policy.get("blockedCount").asInt() > 0) {
                continue;
            }
            HttpResponse<String> imported = post(base + "/" + policy.get("policyId").asText() + "/domains?list=blocked&mode=replace",
                    Files.readString(LISTS.resolve(list[1])), "text/plain");
            assertThat(imported.statusCode()).as(imported.body()).isBetween(200, 299);
        }
        int total = 0;
        for (JsonNode policy : ConsoleBrowserTest.api("GET", "policies")) {
            total += policy.path("blockedCount").asInt();
        }
        System.out.println("blocked domains in the account's policies: " + total);
    }

    static HttpResponse<String> post(String url, String body, String type) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + JourneyStack.freshToken())
                .header("Content-Type", type).timeout(Duration.ofMinutes(2)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
