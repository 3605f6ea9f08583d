package dev.parapet.dns.users;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;

import dev.parapet.stack.TokenIssuer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * What verifying a signed-in user's token costs dns-service per DoH query: with the token seen before (the
 * cache: one hash lookup of a fresh header string), and the first time (an RS256 signature check and the
 * claims read). Run (after {@code mvn -pl dns-service -am test-compile}):
 * <pre>
 *   mvn -q -o -pl dns-service dependency:build-classpath -Dmdep.outputFile=/tmp/dns-test.cp -Dmdep.includeScope=test
 *   java -cp dns-service/target/test-classes:dns-service/target/classes:$(cat /tmp/dns-test.cp) dev.parapet.dns.users.UserTokensBenchmark
 * </pre>
 */
public final class UserTokensBenchmark {

    public static void main(String[] args) throws Exception {
        Path keys = Files.createTempDirectory("user-tokens-bench");
        TokenIssuer issuer = TokenIssuer.inDirectory(keys);
        UUID account = UUID.randomUUID();
        NimbusReactiveJwtDecoder decoder = NimbusReactiveJwtDecoder.withPublicKey(rsa(issuer.publicKeyFile())).build();
        decoder.setJwtValidator(UserTokens.validator(TokenIssuer.ISSUER, TokenIssuer.USER_AUDIENCE));
        int distinct = 20_000;
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < distinct; i++) {
            tokens.add(issuer.userToken("user" + i + "@corp.test", account, List.of("engineering", "vpn-users"), Duration.ofHours(1)));
        }
        System.out.printf("token length %d characters%n", tokens.get(0).length());
        for (int round = 0; round < 3; round++) {
            UserTokens users = new UserTokens(decoder, 1_000_000, System::currentTimeMillis, new SimpleMeterRegistry());
            long started = System.nanoTime();
            for (String token : tokens) {
                if (users.verify(new String(token.toCharArray()), account).block().isEmpty()) {
                    throw new IllegalStateException("refused");
                }
            }
            long firstNanos = System.nanoTime() - started;
            int queries = 2_000_000;
            started = System.nanoTime();
            long verified = 0;
            for (int i = 0; i < queries; i++) {
                // A fresh String per query, as a header is: its hash is computed each time.
                verified += users.verify(new String(tokens.get(i % distinct).toCharArray()), account).block().isPresent() ? 1 : 0;
            }
            long cachedNanos = System.nanoTime() - started;
            System.out.printf("round %d: first verification %.1f µs per token (%d tokens); seen before %.0f ns per query (%d queries, %d verified)%n",
                    round, firstNanos / 1000.0 / distinct, distinct, (double) cachedNanos / queries, queries, verified);
        }
    }

    private static java.security.interfaces.RSAPublicKey rsa(Path pem) throws Exception {
        String base64 = Files.readString(pem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return (java.security.interfaces.RSAPublicKey) java.security.KeyFactory.getInstance("RSA")
                .generatePublic(new java.security.spec.X509EncodedKeySpec(java.util.Base64.getDecoder().decode(base64)));
    }
}
