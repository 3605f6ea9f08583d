package dev.parapet.dns.transport;

import java.net.InetAddress;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

import org.springframework.stereotype.Component;

import dev.parapet.dns.policy.ResolverState;
import dev.parapet.dns.policy.Snapshot;
import dev.parapet.dns.resolve.Client;
import dev.parapet.dns.resolve.DnsResolver;
import dev.parapet.dns.users.UserTokens;
import dev.parapet.kit.agents.AgentCredentialVerifier;
import dev.parapet.kit.agents.AgentCredentialVerifier.AgentIdentity;
import dev.parapet.schemas.v1.verdicts.Transport;
import reactor.core.publisher.Mono;

/**
 * DNS over HTTPS (RFC 8484) for agents, whichever HTTP server carries it: GET with {@code ?dns=}
 * (base64url, no padding) or POST of {@code application/dns-message}. The agent credential comes as
 * {@code Authorization: Bearer <credential>} (the agent's way) or as the last path segment,
 * {@code /dns-query/<credential>} (for stock DoH clients, which cannot send headers); a missing, bad or
 * revoked credential gets 401, checked on every request against the keys and agents followed from
 * Kafka, so a deleted key stops an agent at its next query. The agent's signed-in user is known only
 * through their identity provider's token in {@code X-Parapet-User-Token}, verified by {@link UserTokens}
 * (of the agent's account, or ignored); a user merely named in {@code X-Parapet-User} is ignored and counted.
 * A location's own DoH path, {@code /dns-query/l/<secret>}, needs no agent credential: see {@link #handleLocation}.
 */
@Component
public class DohHandler {

    public static final String MEDIA_TYPE = "application/dns-message";
    /** A user's name asserted by an agent: no longer trusted, only counted. */
    public static final String USER_HEADER = "X-Parapet-User";
    /** The signed-in user's access token (audience parapet-dns). */
    public static final String USER_TOKEN_HEADER = "X-Parapet-User-Token";

    /** What to send back: a status, and a DNS message (200) or a reason (otherwise). */
    public record Response(int status, byte[] message, String reason, long maxAgeSeconds) {
        static Response problem(int status, String reason) {
            return new Response(status, null, reason, 0);
        }
    }

    /** The one answer for a location DoH path that names no location, malformed or unknown alike. */
    static final String NO_SUCH_LOCATION = "No such DNS over HTTPS endpoint.";

    private final DnsResolver resolver;
    private final AgentCredentialVerifier credentials;
    private final UserTokens users;
    private final ResolverState state;

    /** In standalone mode there are no agents (every agent DoH request is refused) and no location endpoints. */
    public DohHandler(DnsResolver resolver, org.springframework.beans.factory.ObjectProvider<AgentCredentialVerifier> credentials,
                      UserTokens users, ResolverState state) {
        this.resolver = resolver;
        this.credentials = credentials.getIfAvailable();
        this.users = users;
        this.state = state;
    }

    /**
     * A query on a location's own DoH path, {@code /dns-query/l/<secret>}: for an office router or a device without a
     * static address, attributed to that location (its account, and its location policies) whatever the source address.
     * No agent credential and no user: the secret names the location, and nothing else is trusted. A secret that is
     * malformed, unknown, rotated out or turned off gets the same 404 before a byte of the body is read, saying nothing
     * of whether such a location exists. The body is read and bounded as for agents.
     */
    public Mono<Response> handleLocation(boolean post, String dnsParam, Mono<byte[]> body, String contentType, String secret,
                                         InetAddress remote) {
        Optional<Snapshot.Attribution> location = state.snapshot().locateByDohSecret(secret);
        if (location.isEmpty()) {
            return Mono.just(Response.problem(404, NO_SUCH_LOCATION));
        }
        return respond(post, dnsParam, body, contentType, Client.atLocation(remote, Transport.DOH, location.get()));
    }

    /**
     * Checks the request in the order that costs a hostile client most and Parapet least: the
     * credential first (a refused one gets 401 before a byte of the body is read), then the headers,
     * and only then the body, which {@link DohBody} bounds.
     *
     * @param dnsParam     GET's {@code dns} parameter, or null
     * @param body         POST's body, read when subscribed to (see {@link DohBody}); ignored for GET
     * @param contentType  POST's content type
     * @param credential   the credential from the header or the path, or null
     * @param assertedUser the {@code X-Parapet-User} header, or null: ignored (counted)
     * @param userToken    the {@code X-Parapet-User-Token} header, or null
     */
    public Mono<Response> handle(boolean post, String dnsParam, Mono<byte[]> body, String contentType, String credential,
                                 String assertedUser, String userToken, InetAddress remote) {
        Optional<AgentIdentity> agent = credentials == null ? Optional.empty() : credentials.verify(credential);
        if (agent.isEmpty()) {
            if (credentials != null && !credentials.isCurrent()) {
                // Refused because the verifier is not current (it fails closed): not a revocation, so the agent retries
                // rather than asking to be enrolled again.
                return Mono.just(Response.problem(503, "Agent credentials cannot be checked right now; retry shortly."));
            }
            return Mono.just(Response.problem(401, "Agent credential refused: send it as 'Authorization: Bearer <credential>' "
                    + "or as the last path segment; a credential of a deleted key or a revoked agent is refused."));
        }
        if (assertedUser != null && userToken == null) {
            users.assertedIgnored();
        }
        AgentIdentity identity = agent.get();
        if (userToken == null || userToken.isEmpty()) {
            // Nobody signed in (most DoH queries): no token to look up, nothing to wait for.
            return respond(post, dnsParam, body, contentType, new Client(remote, Transport.DOH, identity, null));
        }
        return users.verify(userToken, identity.accountId()).flatMap(user -> {
            Client client = user.map(u -> new Client(remote, Transport.DOH, identity, u.email(), u.directoryGroups()))
                    .orElseGet(() -> new Client(remote, Transport.DOH, identity, null));
            return respond(post, dnsParam, body, contentType, client);
        });
    }

    private Mono<Response> respond(boolean post, String dnsParam, Mono<byte[]> body, String contentType, Client client) {
        if (post) {
            if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith(MEDIA_TYPE)) {
                return Mono.just(Response.problem(415, "POST needs Content-Type: " + MEDIA_TYPE + "."));
            }
            return body.flatMap(query -> answer(query, client))
                    .onErrorResume(DohBody.TooLarge.class, e -> Mono.just(Response.problem(413,
                            "A DNS message is at most " + DohBody.MAX + " bytes.")));
        }
        if (dnsParam == null || dnsParam.isEmpty() || dnsParam.length() > 4 * DnsResolver.STREAM_SIZE / 3 + 4) {
            return Mono.just(Response.problem(400, "GET needs the query as ?dns=<base64url>."));
        }
        try {
            return answer(Base64.getUrlDecoder().decode(dnsParam), client);
        } catch (IllegalArgumentException e) {
            return Mono.just(Response.problem(400, "The dns parameter is not base64url."));
        }
    }

    private Mono<Response> answer(byte[] query, Client client) {
        if (query.length == 0 || query.length > DnsResolver.STREAM_SIZE) {
            return Mono.just(Response.problem(400, "No DNS message, or one longer than 65535 bytes."));
        }
        return Mono.fromCompletionStage(resolver.answer(query, client)).map(answer -> new Response(200, answer, null,
                DohMaxAge.of(answer))).defaultIfEmpty(Response.problem(400, "Not a DNS query."));
    }

    /** The credential from {@code Authorization: Bearer …}, or null. */
    public static String bearer(String authorization) {
        return authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).strip() : null;
    }
}
