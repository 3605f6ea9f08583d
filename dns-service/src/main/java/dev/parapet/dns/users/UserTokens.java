package dev.parapet.dns.users;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;

import dev.parapet.kit.users.UserNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;

/**
 * Verifies the signed-in user's token that an agent sends with its DoH queries
 * ({@code X-Parapet-User-Token}): an access token of the identity provider, for the audience
 * {@code parapet-dns}, signed with one of the provider's keys (JWKS), unexpired, of the configured
 * issuer, naming an e-mail address and the account the user belongs to ({@code account}). Its
 * {@code groups} claim lists the user's directory groups.
 *
 * <p>The per-query path does not check a signature per query: a token is verified once and its
 * outcome kept until the token expires (a refused token for a minute), so a query with a token seen
 * before costs one hash lookup. A token that cannot be verified is never trusted: the query is answered
 * as nobody's, and the refusal counted ({@code parapet.dns.user.tokens}).
 */
public final class UserTokens {

    /**
     * @param issuer     the identity provider's issuer ({@code iss}); unset, no user token is trusted
     * @param jwkSetUri  its signing keys (JWKS URL)
     * @param publicKey  or its one RSA public key (PEM file), for an issuer without a JWKS URL; with
     *                   neither, no user token is trusted
     * @param audience   the audience user tokens must name
     * @param cacheSize  how many tokens' outcomes are kept
     */
    @ConfigurationProperties("parapet.dns.users")
    public record Properties(String issuer, URI jwkSetUri, java.nio.file.Path publicKey,
                             @DefaultValue("parapet-dns") String audience, @DefaultValue("100000") int cacheSize) {

        boolean configured() {
            return issuer != null && !issuer.isBlank() && (jwkSetUri != null || publicKey != null);
        }
    }

    /** A user whose token verified: their address (lower case), account, directory groups and when the token expires. */
    public record VerifiedUser(String email, UUID accountId, Set<String> directoryGroups, long expiresAtMillis) {
    }

    /** How a token fared, as counted. */
    public enum Outcome { VERIFIED, REFUSED, FOREIGN_ACCOUNT, NOT_CONFIGURED, ASSERTED_IGNORED }

    static final int MAX_TOKEN_LENGTH = 16_384;
    static final int MAX_GROUPS = 256;
    static final int MAX_GROUP_LENGTH = 255;
    private static final long REFUSAL_MILLIS = Duration.ofMinutes(1).toMillis();
    private static final Cached REFUSED = new Cached(null, Long.MAX_VALUE);

    private record Cached(VerifiedUser user, long untilMillis) {
    }

    private final ReactiveJwtDecoder decoder;
    private final int cacheSize;
    private final LongSupplier clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final Map<Outcome, Counter> counters = new java.util.EnumMap<>(Outcome.class);

    public UserTokens(Properties properties, MeterRegistry meters) {
        this(properties.configured() ? decoder(properties) : null, properties.cacheSize(), System::currentTimeMillis, meters);
    }

    UserTokens(ReactiveJwtDecoder decoder, int cacheSize, LongSupplier clock, MeterRegistry meters) {
        this.decoder = decoder;
        this.cacheSize = cacheSize;
        this.clock = clock;
        for (Outcome outcome : Outcome.values()) {
            counters.put(outcome, Counter.builder("parapet.dns.user.tokens").tag("outcome", outcome.name().toLowerCase(java.util.Locale.ROOT))
                    .description("User tokens sent with DoH queries, by outcome; only verified ones attribute queries to a user")
                    .register(meters));
        }
    }

    private static ReactiveJwtDecoder decoder(Properties properties) {
        NimbusReactiveJwtDecoder decoder = properties.jwkSetUri() != null
                ? NimbusReactiveJwtDecoder.withJwkSetUri(properties.jwkSetUri().toString())
                        .jwsAlgorithm(SignatureAlgorithm.RS256).jwsAlgorithm(SignatureAlgorithm.ES256).build()
                : NimbusReactiveJwtDecoder.withPublicKey(rsaPublicKey(properties.publicKey())).build();
        decoder.setJwtValidator(validator(properties.issuer(), properties.audience()));
        return decoder;
    }

    private static java.security.interfaces.RSAPublicKey rsaPublicKey(java.nio.file.Path pem) {
        try {
            String base64 = java.nio.file.Files.readString(pem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            return (java.security.interfaces.RSAPublicKey) java.security.KeyFactory.getInstance("RSA")
                    .generatePublic(new java.security.spec.X509EncodedKeySpec(java.util.Base64.getDecoder().decode(base64)));
        } catch (java.io.IOException | java.security.GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("parapet.dns.users.public-key: not a readable RSA public key (PEM): " + pem, e);
        }
    }

    /** Issuer, audience and expiry are all required (a token without {@code exp} is refused, not kept for ever). */
    static OAuth2TokenValidator<Jwt> validator(String issuer, String audience) {
        OAuth2TokenValidator<Jwt> audienceAndExpiry = jwt -> {
            if (jwt.getExpiresAt() == null) {
                return OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token", "the token has no expiry", null));
            }
            List<String> audiences = jwt.getAudience();
            return audiences != null && audiences.contains(audience) ? OAuth2TokenValidatorResult.success()
                    : OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token", "the token is not for " + audience, null));
        };
        return new DelegatingOAuth2TokenValidator<>(JwtValidators.createDefaultWithIssuer(issuer), audienceAndExpiry,
                new JwtTimestampValidator(Duration.ofSeconds(30)));
    }

    /**
     * The user a token names, for an agent of {@code accountId}: empty when there is no token, or it is
     * refused, or it belongs to a user of another account. The first query with a token waits for its
     * verification (and, once, for the provider's keys); later ones are answered from the cache.
     */
    public Mono<Optional<VerifiedUser>> verify(String token, UUID accountId) {
        if (token == null || token.isEmpty()) {
            return Mono.just(Optional.empty());
        }
        if (decoder == null) {
            count(Outcome.NOT_CONFIGURED);
            return Mono.just(Optional.empty());
        }
        if (token.length() > MAX_TOKEN_LENGTH) {
            count(Outcome.REFUSED);
            return Mono.just(Optional.empty());
        }
        long now = clock.getAsLong();
        Cached cached = cache.get(token);
        if (cached != null && cached.untilMillis() > now) {
            return Mono.just(forAccount(cached, accountId));
        }
        return decoder.decode(token).map(this::read).onErrorResume(e -> Mono.just(REFUSED)).map(outcome -> {
            Cached kept = outcome.user() == null ? new Cached(null, clock.getAsLong() + REFUSAL_MILLIS) : outcome;
            remember(token, kept);
            return forAccount(kept, accountId);
        });
    }

    /** Counts a query whose agent named a user without a token ({@code X-Parapet-User}): ignored. */
    public void assertedIgnored() {
        count(Outcome.ASSERTED_IGNORED);
    }

    private Optional<VerifiedUser> forAccount(Cached cached, UUID accountId) {
        if (cached.user() == null) {
            count(Outcome.REFUSED);
            return Optional.empty();
        }
        if (!cached.user().accountId().equals(accountId)) {
            count(Outcome.FOREIGN_ACCOUNT);
            return Optional.empty();
        }
        count(Outcome.VERIFIED);
        return Optional.of(cached.user());
    }

    /** The user a verified token names, or a refusal when it lacks a usable address or account. */
    private Cached read(Jwt jwt) {
        Optional<String> email = jwt.hasClaim("email") ? UserNames.normalise(jwt.getClaimAsString("email")) : Optional.empty();
        String account = jwt.getClaimAsString("account");
        if (email.isEmpty() || account == null) {
            return REFUSED;
        }
        UUID accountId;
        try {
            accountId = UUID.fromString(account);
        } catch (IllegalArgumentException e) {
            return REFUSED;
        }
        Set<String> groups = new LinkedHashSet<>();
        Object claim = jwt.getClaims().get("groups");
        if (claim instanceof List<?> list) {
            for (Object group : list) {
                if (group instanceof String name && !name.isEmpty() && name.length() <= MAX_GROUP_LENGTH && groups.size() < MAX_GROUPS) {
                    // A full path ("/engineering") and a plain name ("engineering") name the same top-level group.
                    groups.add(name.startsWith("/") && name.indexOf('/', 1) < 0 ? name.substring(1) : name);
                }
            }
        }
        long expires = jwt.getExpiresAt().toEpochMilli();
        return new Cached(new VerifiedUser(email.get(), accountId, Set.copyOf(groups), expires), expires);
    }

    private void remember(String token, Cached outcome) {
        if (cache.size() >= cacheSize) {
            long now = clock.getAsLong();
            cache.values().removeIf(entry -> entry.untilMillis() <= now);
            if (cache.size() >= cacheSize) {
                cache.clear();
            }
        }
        cache.put(token, outcome);
    }

    private void count(Outcome outcome) {
        counters.get(outcome).increment();
    }
}
