package dev.parapet.agent;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The agent's subscription to its configuration ({@code GET /agent/v1/configuration}, server-sent
 * events): connects with the credential and the last applied event id as {@code Last-Event-ID}, hands
 * every event to the listener, and after a disconnect reconnects with a backoff from 1 s doubling to
 * 30 s. The server sends a comment every 30 s, so a connection silent for {@link #IDLE_LIMIT} is taken
 * for dead and dropped (a half-open TCP connection would otherwise look alive forever). A 401 or a
 * {@code revoked} event ends it for good: the credential will not come back.
 */
public final class ConfigurationStream implements Runnable {

    /** What the stream tells the agent. */
    public interface Listener {
        /** An event arrived; throw to drop the connection and resume from the last good id. */
        void onEvent(SseParser.Event event);

        void onConnected();

        void onUnreachable(String why);

        void onRevoked(String why);
    }

    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    static final Duration IDLE_LIMIT = Duration.ofSeconds(75);
    static final int MAX_LINE_BYTES = 16 * 1024 * 1024;

    private final HttpClient http;
    private final URI uri;
    private final String credential;
    private final Supplier<String> lastEventId;
    private final Listener listener;
    private final Duration firstBackoff;
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "configuration-stream-watchdog");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean stopped;
    private volatile InputStream open;
    private volatile long lastReadNanos;

    public ConfigurationStream(HttpClient http, URI uri, String credential, Supplier<String> lastEventId, Listener listener,
                               Duration firstBackoff) {
        this.http = http;
        this.uri = uri;
        this.credential = credential;
        this.lastEventId = lastEventId;
        this.listener = listener;
        this.firstBackoff = firstBackoff;
    }

    @Override
    public void run() {
        Duration backoff = firstBackoff;
        while (!stopped) {
            Outcome outcome;
            try {
                outcome = connectOnce();
            } catch (IOException | RuntimeException e) {
                outcome = Outcome.unreachable(Enrolment.describe(e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (outcome.revoked() || stopped) {
                if (outcome.revoked()) {
                    listener.onRevoked(outcome.why());
                }
                return;
            }
            if (outcome.connected()) {
                backoff = firstBackoff;
            }
            listener.onUnreachable(outcome.why());
            try {
                Thread.sleep(backoff.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    public void stop() {
        stopped = true;
        closeQuietly(open);
        watchdog.shutdownNow();
    }

    private record Outcome(boolean connected, boolean revoked, String why) {
        static Outcome unreachable(String why) {
            return new Outcome(false, false, why);
        }
    }

    private Outcome connectOnce() throws IOException, InterruptedException {
        String resumeFrom = lastEventId.get();
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .header("Accept", "text/event-stream")
                .header("Authorization", "Bearer " + credential)
                .timeout(Duration.ofSeconds(15))
                .GET();
        if (resumeFrom != null) {
            request.header("Last-Event-ID", resumeFrom);
        }
        HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        InputStream body = response.body();
        if (response.statusCode() == 401) {
            closeQuietly(body);
            return new Outcome(false, true, "the configuration stream refused the credential (401)");
        }
        if (response.statusCode() != 200) {
            closeQuietly(body);
            return Outcome.unreachable("the configuration stream answered " + response.statusCode());
        }
        String type = response.headers().firstValue("Content-Type").orElse("");
        if (!type.toLowerCase(java.util.Locale.ROOT).startsWith("text/event-stream")) {
            closeQuietly(body);
            return Outcome.unreachable("the configuration stream answered " + Enrolment.printable(type) + ", not text/event-stream");
        }
        open = body;
        lastReadNanos = System.nanoTime();
        ScheduledFuture<?> idle = watchdog.scheduleAtFixedRate(() -> {
            if (System.nanoTime() - lastReadNanos > IDLE_LIMIT.toNanos()) {
                closeQuietly(body);
            }
        }, 5, 5, TimeUnit.SECONDS);
        listener.onConnected();
        try {
            return read(new LineReader(new BufferedInputStream(body), MAX_LINE_BYTES), new SseParser(resumeFrom));
        } finally {
            idle.cancel(false);
            open = null;
            closeQuietly(body);
        }
    }

    private Outcome read(LineReader lines, SseParser parser) {
        try {
            String line;
            while ((line = lines.next()) != null) {
                lastReadNanos = System.nanoTime();
                Optional<SseParser.Event> event = parser.line(line);
                if (event.isPresent()) {
                    if ("revoked".equals(event.get().name())) {
                        return new Outcome(true, true, revokedReason(event.get().data()));
                    }
                    listener.onEvent(event.get());
                }
            }
            return new Outcome(true, false, "the configuration stream ended");
        } catch (IOException e) {
            return new Outcome(true, false, stopped ? "stopped" : "the configuration stream broke: " + Enrolment.describe(e));
        } catch (RuntimeException e) {
            return new Outcome(true, false, "dropped the configuration stream: " + Enrolment.printable(String.valueOf(e.getMessage())));
        }
    }

    private static String revokedReason(String data) {
        try {
            String reason = Enrolment.text(StateStore.json().readTree(data), "reason");
            return reason == null ? "revoked" : Enrolment.printable(reason);
        } catch (IOException | RuntimeException e) {
            return "revoked";
        }
    }

    private static void closeQuietly(InputStream in) {
        if (in != null) {
            try {
                in.close();
            } catch (IOException e) {
                // closing a broken connection: nothing left to do with it
            }
        }
    }
}
