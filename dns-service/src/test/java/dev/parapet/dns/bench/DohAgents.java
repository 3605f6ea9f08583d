package dev.parapet.dns.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The agent identities {@link DohLoad} queries as: credentials read from a file (one a line), and, when the
 * file holds fewer than asked for, more agents enrolled with the account's key the way agents enrol
 * (key-service's {@code POST /agent/v1/enrolments}) and added to the file, so that the next run reuses them
 * (enrolment, 150-250 a second here, is not what is measured). A file from a stack since wiped holds
 * credentials that are refused: the run then reports 401s; delete the file.
 */
final class DohAgents {

    private static final Pattern CREDENTIAL = Pattern.compile("\"credential\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern KEY = Pattern.compile("\"key\"\\s*:\\s*\"([^\"]+)\"");

    private DohAgents() {
    }

    /**
     * @param file   where credentials are kept
     * @param wanted how many agents
     * @param keys   key-service's base URL
     * @param data   the local stack's data directory (its demo account)
     * @param token  an administrator token of that account (to read its key), needed only to enrol
     */
    static List<String> load(Path file, int wanted, String keys, Path data, String token) throws IOException, InterruptedException {
        List<String> credentials = new ArrayList<>(Files.exists(file) ? Files.readAllLines(file).stream()
                .map(String::strip).filter(line -> !line.isEmpty()).toList() : List.of());
        if (credentials.size() >= wanted) {
            return credentials.subList(0, wanted);
        }
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException(file + " holds " + credentials.size() + " credentials, " + wanted
                    + " wanted: give an administrator token (--token or $TOKEN) to enrol the rest");
        }
        String account = Files.readString(data.resolve("demo-account")).strip();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        String key = key(http, keys, account, token);
        ConcurrentLinkedQueue<String> enrolled = new ConcurrentLinkedQueue<>();
        AtomicInteger refused = new AtomicInteger();
        Semaphore concurrency = new Semaphore(32);
        long started = System.nanoTime();
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (int n = credentials.size(); n < wanted; n++) {
            concurrency.acquire();
            String body = String.format("{\"key\":\"%s\",\"deviceId\":\"dohbench-%06d\",\"hostname\":\"dohbench-%06d\","
                    + "\"osName\":\"Linux\",\"osVersion\":\"6.1\",\"agentVersion\":\"1.0.0\"}", key, n, n);
            all.add(enrol(http, keys, body, 5).whenComplete((credential, error) -> {
                concurrency.release();
                if (credential != null) {
                    enrolled.add(credential);
                } else {
                    refused.incrementAndGet();
                }
            }));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).exceptionally(error -> null).join();
        System.out.printf("enrolled %d agents in %.1f s (%d refused)%n", enrolled.size(), (System.nanoTime() - started) / 1e9,
                refused.get());
        credentials.addAll(enrolled);
        Files.write(file, credentials);
        return credentials.subList(0, Math.min(wanted, credentials.size()));
    }

    private static CompletableFuture<String> enrol(HttpClient http, String keys, String body, int attempts) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(keys + "/agent/v1/enrolments"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString())
                .thenCompose(response -> {
                    Matcher credential = CREDENTIAL.matcher(response.body());
                    if (response.statusCode() == 201 && credential.find()) {
                        return CompletableFuture.completedFuture(credential.group(1));
                    }
                    if (attempts <= 1) {
                        return CompletableFuture.failedFuture(new IOException("enrolment refused: " + response.statusCode()));
                    }
                    // 429: enrolment is rate-limited per address and key (raise the limits: docs/agent.md, "The simulator").
                    return CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(1, java.util.concurrent.TimeUnit.SECONDS))
                            .thenCompose(ignored -> enrol(http, keys, body, attempts - 1));
                });
    }

    private static String key(HttpClient http, String keys, String account, String token) throws IOException, InterruptedException {
        String base = keys + "/api/v1/accounts/" + account + "/key";
        HttpResponse<String> shown = http.send(admin(base + "?reveal=true", token).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (shown.statusCode() == 404) {
            http.send(admin(base, token).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            shown = http.send(admin(base + "?reveal=true", token).GET().build(), HttpResponse.BodyHandlers.ofString());
        }
        Matcher key = KEY.matcher(shown.body());
        if (shown.statusCode() != 200 || !key.find()) {
            throw new IllegalStateException("no key for the account: " + shown.statusCode() + " " + shown.body());
        }
        return key.group(1);
    }

    private static HttpRequest.Builder admin(String url, String token) {
        return HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30));
    }
}
