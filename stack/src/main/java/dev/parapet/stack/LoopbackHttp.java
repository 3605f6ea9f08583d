package dev.parapet.stack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The status of a request to a server the stack started on loopback, or -1 while it does not answer. */
final class LoopbackHttp {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private LoopbackHttp() {
    }

    /** A GET with a two-second deadline, as readiness polls make them. */
    static int status(String url) {
        return status(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).GET().build());
    }

    static int status(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }
}
