package dev.parapet.dns.pages;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.parapet.dns.pages.BlockNotices.Kind;
import dev.parapet.dns.pages.BlockNotices.Notice;
import dev.parapet.dns.pages.ContinueTokens.Grant;
import dev.parapet.dns.pages.ContinueTokens.Verification;
import dev.parapet.kit.web.TrustedProxies;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.CookieHeaderNames.SameSite;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * What the block-page server answers. {@code POST /continue} with a valid token from a warning page
 * grants the allowance; {@code POST /request-access} with a block page's ticket and a reason sends an access
 * request to the account's administrators; every other request, whatever its path, gets the page for its client address
 * and Host header. Inputs are hostile: a Host that is no host name gets the generic page, a form
 * larger than {@value #MAX_BODY_BYTES} bytes 413, a malformed one 400, a bad token 403. Nothing a
 * request carries is logged.
 */
final class PageRequests {

    static final int MAX_BODY_BYTES = 8 * 1024;
    static final String COOKIE = "parapet-continue";

    private static final Logger log = LoggerFactory.getLogger(PageRequests.class);

    private final BlockNotices notices;
    private final Allowances allowances;
    private final ContinueTokens tokens;
    private final Duration allowance;
    private final TrustedProxies proxies;
    private final AccessRequestOutbox outbox;

    /**
     * @param proxies whose forwarded client addresses to believe (a block page behind an HTTP load balancer
     *                finds the blocked client's notice, and gives it its own Continue allowance, by the client's
     *                address, not the balancer's)
     */
    PageRequests(BlockNotices notices, Allowances allowances, ContinueTokens tokens, Duration allowance, TrustedProxies proxies,
                 AccessRequestOutbox outbox) {
        this.proxies = proxies;
        this.outbox = outbox;
        this.notices = notices;
        this.allowances = allowances;
        this.tokens = tokens;
        this.allowance = allowance;
    }

    Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response, boolean secure) {
        return Mono.defer(() -> {
            String client = BlockNotices.client(proxies.clientAddress((InetSocketAddress) request.remoteAddress(),
                    request.requestHeaders()).getAddress());
            if (HttpMethod.POST.equals(request.method()) && "/continue".equals(path(request.uri()))) {
                return continueTo(request, response, client, secure);
            }
            if (HttpMethod.POST.equals(request.method()) && "/request-access".equals(path(request.uri()))) {
                return requestAccess(request, response, client);
            }
            // A page is answered without reading any body a client sent with it: the connection ends with the
            // answer, so that nobody can keep sending a body that is only thrown away.
            var headers = request.requestHeaders();
            boolean unreadBody = headers.getInt(HttpHeaderNames.CONTENT_LENGTH, 0) != 0
                    || headers.contains(HttpHeaderNames.TRANSFER_ENCODING);
            return show(request, unreadBody ? response.keepAlive(false) : response, client, secure);
        }).onErrorResume(e -> {
            log.warn("A block-page request failed: {}", e.toString());
            return send(response.keepAlive(false), HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    BlockPage.problem("Something went wrong", "Reload the page in a moment."));
        });
    }

    private Mono<Void> show(HttpServerRequest request, HttpServerResponse response, String client, boolean secure) {
        Optional<String> host = HostNames.fromHostHeader(request.requestHeaders().get(HttpHeaderNames.HOST));
        Optional<Notice> found = host.flatMap(name -> notices.find(client, name));
        if (found.isEmpty()) {
            return send(response, HttpResponseStatus.OK, BlockPage.generic(host.orElse(null)));
        }
        String name = host.get();
        Notice notice = found.get();
        if (notice.kind() == Kind.BLOCKED) {
            String ticket = outbox.enabled()
                    ? tokens.issue(ContinueTokens.Purpose.ACCESS_REQUEST, notice.accountId(), client, name, Instant.now()) : null;
            return send(response, HttpResponseStatus.OK, BlockPage.forNotice(name, notice, null, ticket));
        }
        if (allowances.allows(notice.accountId(), client, name)) {
            return send(response, HttpResponseStatus.OK, BlockPage.continuing(name, allowance, scheme(secure)));
        }
        String token = tokens.issue(notice.accountId(), client, name, Instant.now());
        return send(response, HttpResponseStatus.OK, BlockPage.forNotice(name, notice, token));
    }

    private Mono<Void> continueTo(HttpServerRequest request, HttpServerResponse response, String client, boolean secure) {
        return form(request, response, "Use the Continue button on the warning page.",
                form -> grant(response, field(form, "token"), client, secure));
    }

    /** A form post of at most {@value #MAX_BODY_BYTES} bytes, handed over as its text; anything else answered here. */
    private Mono<Void> form(HttpServerRequest request, HttpServerResponse response, String use,
                            java.util.function.Function<String, Mono<Void>> handler) {
        Integer declared = request.requestHeaders().getInt(HttpHeaderNames.CONTENT_LENGTH);
        if (declared != null && declared > MAX_BODY_BYTES) {
            return tooLarge(response);
        }
        String type = request.requestHeaders().get(HttpHeaderNames.CONTENT_TYPE, "");
        if (!type.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            return send(response.keepAlive(false), HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, BlockPage.problem("Not a form", use));
        }
        return request.receive().asByteArray()
                .collect(ByteArrayOutputStream::new, (body, chunk) -> {
                    if (body.size() + chunk.length > MAX_BODY_BYTES) {
                        throw new BodyTooLarge();
                    }
                    body.writeBytes(chunk);
                })
                .flatMap(body -> handler.apply(body.toString(StandardCharsets.UTF_8)))
                .onErrorResume(BodyTooLarge.class, e -> tooLarge(response));
    }

    /**
     * "Ask for access" on a block page: the ticket must be this client's for this name (as the page issued it), the
     * notice must still say who the client is, and the reason must be text; the request then goes to the administrators.
     */
    private Mono<Void> requestAccess(HttpServerRequest request, HttpServerResponse response, String client) {
        return form(request, response, "Use the Ask for access button on the block page.", form -> {
            Optional<String> ticket = field(form, "ticket");
            if (ticket.isEmpty()) {
                return send(response, HttpResponseStatus.BAD_REQUEST,
                        BlockPage.problem("Not an access request", "Use the Ask for access button on the block page."));
            }
            Verification verification = tokens.verify(ContinueTokens.Purpose.ACCESS_REQUEST, ticket.get(), client, Instant.now());
            if (verification.grant().isEmpty()) {
                return send(response, HttpResponseStatus.FORBIDDEN, BlockPage.problem("Cannot ask for access",
                        verification.refusal() + " Reload the block page and ask again."));
            }
            Grant grant = verification.grant().get();
            Optional<Notice> notice = notices.find(client, grant.name())
                    .filter(found -> found.kind() == Kind.BLOCKED && found.accountId().equals(grant.accountId()));
            if (notice.isEmpty()) {
                return send(response, HttpResponseStatus.CONFLICT, BlockPage.problem("Cannot ask for access",
                        "Parapet no longer blocks " + grant.name() + " for this device, or the page is too old. Reload it."));
            }
            Notice forName = notice.get().withName(grant.name());
            Optional<String> reason = field(form, "reason");
            return Mono.fromCallable(() -> outbox.raise(forName, reason.orElse(null), Instant.now()))
                    .subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic())
                    .flatMap(outcome -> switch (outcome) {
                        case SENT -> send(response, HttpResponseStatus.OK, BlockPage.requested(grant.name()));
                        case INVALID_REASON -> send(response, HttpResponseStatus.BAD_REQUEST, BlockPage.problem("Say why",
                                "Write why you need " + grant.name() + " (at most " + AccessRequestOutbox.MAX_REASON
                                        + " characters), then ask again."));
                        case TOO_MANY -> send(response, HttpResponseStatus.TOO_MANY_REQUESTS, BlockPage.problem("Too many requests",
                                "This device asked for access " + AccessRequestOutbox.PER_CLIENT_PER_HOUR
                                        + " times in the last hour. Ask your administrator directly."));
                        case UNAVAILABLE -> send(response, HttpResponseStatus.SERVICE_UNAVAILABLE, BlockPage.problem(
                                "Not sent", "Your request could not be sent just now. Try again in a minute."));
                    });
        });
    }

    private Mono<Void> grant(HttpServerResponse response, Optional<String> token, String client, boolean secure) {
        if (token.isEmpty()) {
            return send(response, HttpResponseStatus.BAD_REQUEST,
                    BlockPage.problem("Not a Continue form", "Use the Continue button on the warning page."));
        }
        Verification verification = tokens.verify(token.get(), client, Instant.now());
        if (verification.grant().isEmpty()) {
            return send(response, HttpResponseStatus.FORBIDDEN, BlockPage.problem("Cannot continue",
                    verification.refusal() + " Reload the warning page and choose Continue again."));
        }
        Grant grant = verification.grant().get();
        allowances.grant(grant.accountId(), client, grant.name(), allowance);
        DefaultCookie cookie = new DefaultCookie(COOKIE, grant.name());
        cookie.setPath("/");
        cookie.setMaxAge(allowance.toSeconds());
        cookie.setHttpOnly(true);
        cookie.setSecure(secure);
        cookie.setSameSite(SameSite.Lax);
        response.addCookie(cookie);
        return send(response, HttpResponseStatus.OK, BlockPage.continuing(grant.name(), allowance, scheme(secure)));
    }

    /** The form's one field of that name, or empty for a form without one or with several, or one that does not decode. */
    private static Optional<String> field(String form, String name) {
        try {
            List<String> values = new QueryStringDecoder(form, StandardCharsets.UTF_8, false).parameters().get(name);
            return values == null || values.size() != 1 ? Optional.empty() : Optional.of(values.get(0));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Mono<Void> tooLarge(HttpServerResponse response) {
        return send(response.keepAlive(false), HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                BlockPage.problem("Request too large", "A Continue form is at most " + MAX_BODY_BYTES + " bytes."));
    }

    private static Mono<Void> send(HttpServerResponse response, HttpResponseStatus status, String html) {
        return response.status(status)
                .header(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                .header(HttpHeaderNames.CONTENT_SECURITY_POLICY, BlockPage.CONTENT_SECURITY_POLICY)
                .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer")
                .sendString(Mono.just(html), StandardCharsets.UTF_8)
                .then();
    }

    private static String path(String uri) {
        int query = uri.indexOf('?');
        return query < 0 ? uri : uri.substring(0, query);
    }

    private static String scheme(boolean secure) {
        return secure ? "https" : "http";
    }

    /** A form body over the limit; no stack trace, it is the client's doing. */
    private static final class BodyTooLarge extends RuntimeException {
        BodyTooLarge() {
            super("request body over " + MAX_BODY_BYTES + " bytes", null, false, false);
        }
    }
}
