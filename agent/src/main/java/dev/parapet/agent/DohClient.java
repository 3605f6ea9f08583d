package dev.parapet.agent;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;

/**
 * DNS over HTTPS to dns-service (RFC 8484, {@code POST application/dns-message}, HTTP/2), with the
 * agent credential as bearer and the signed-in user in {@code X-Parapet-User}. Queries go with id 0
 * (as RFC 8484 asks, so that HTTP caches can share answers) and the answer gets the asker's id back.
 */
public final class DohClient {

    /** The credential was refused: the key was deleted or the agent revoked. */
    public static final class Refused extends Exception {
        public Refused(String message) {
            super(message);
        }
    }

    /** dns-service could not be reached or answered something that is not a DNS answer. */
    public static final class Unavailable extends Exception {
        public Unavailable(String message) {
            super(message);
        }
    }

    static final int MAX_MESSAGE = 65_535;
    /** The signed-in user's access token, verified by dns-service. */
    static final String USER_TOKEN_HEADER = "X-Parapet-User-Token";
    static final Duration DEADLINE = Duration.ofSeconds(5);

    private final HttpClient http;
    private final URI uri;
    private final String credential;

    public DohClient(HttpClient http, URI uri, String credential) {
        this.http = http;
        this.uri = uri;
        this.credential = credential;
    }

    /** @param userToken the signed-in user's access token, or null */
    public byte[] resolve(byte[] query, String userToken) throws Refused, Unavailable, InterruptedException {
        if (query.length < 12 || query.length > MAX_MESSAGE) {
            throw new IllegalArgumentException("not a DNS message");
        }
        byte[] sent = query.clone();
        sent[0] = 0;
        sent[1] = 0;
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(DEADLINE)
                .header("Content-Type", "application/dns-message")
                .header("Accept", "application/dns-message")
                .header("Authorization", "Bearer " + credential)
                .POST(HttpRequest.BodyPublishers.ofByteArray(sent));
        if (userToken != null) {
            request.header(USER_TOKEN_HEADER, userToken);
        }
        HttpResponse<byte[]> response;
        try {
            response = BoundedBody.send(http, request.build(), MAX_MESSAGE, DEADLINE);
        } catch (IOException e) {
            throw new Unavailable("DoH to " + uri + " failed: " + Enrolment.describe(e));
        }
        if (response.statusCode() == 401) {
            throw new Refused("dns-service refused the credential (401)");
        }
        if (response.statusCode() != 200) {
            throw new Unavailable("DoH to " + uri + " answered " + response.statusCode());
        }
        String type = response.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
        byte[] answer = response.body();
        if (!type.startsWith("application/dns-message") || answer.length < 12) {
            throw new Unavailable("DoH to " + uri + " answered something that is not a DNS message");
        }
        answer[0] = query[0];
        answer[1] = query[1];
        return answer;
    }
}
