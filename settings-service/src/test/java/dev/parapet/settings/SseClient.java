package dev.parapet.settings;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;

import reactor.core.Disposable;

/** An agent's side of the configuration stream, for tests: events arrive in a queue. */
public final class SseClient implements AutoCloseable {

    /** The stream ended (completed or failed), with this marker in the queue. */
    public static final ServerSentEvent<String> END = ServerSentEvent.<String>builder().event("__end__").build();

    private final BlockingQueue<ServerSentEvent<String>> events = new LinkedBlockingQueue<>();
    private final Disposable subscription;

    public SseClient(String baseUrl, String credential, String lastEventId) {
        subscription = WebClient.create(baseUrl).get().uri("/agent/v1/configuration")
                .headers(h -> {
                    h.setBearerAuth(credential);
                    if (lastEventId != null) {
                        h.set("Last-Event-ID", lastEventId);
                    }
                })
                .retrieve().bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() { })
                .filter(event -> event.event() != null)
                .subscribe(events::add, error -> events.add(END), () -> events.add(END));
    }

    private ServerSentEvent<String> pushedBack;

    /** Puts an event back to be returned by the next {@link #next}. */
    public SseClient pushBack(ServerSentEvent<String> event) {
        pushedBack = event;
        return this;
    }

    /** The next event, or null if none arrives in time. */
    public ServerSentEvent<String> next(Duration timeout) throws InterruptedException {
        if (pushedBack != null) {
            ServerSentEvent<String> event = pushedBack;
            pushedBack = null;
            return event;
        }
        return events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public ServerSentEvent<String> next() throws InterruptedException {
        return next(Duration.ofSeconds(20));
    }

    /** Opens a stream once the credential is accepted (the instance may not have read the agent yet). */
    public static SseClient openWhenAccepted(String baseUrl, String credential) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            SseClient client = new SseClient(baseUrl, credential, null);
            ServerSentEvent<String> first = client.next(Duration.ofSeconds(5));
            if (first != null && first != END) {
                return client.pushBack(first);
            }
            client.close();
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the credential was not accepted in 30 s");
            }
            Thread.sleep(200);
        }
    }

    @Override
    public void close() {
        subscription.dispose();
    }
}
