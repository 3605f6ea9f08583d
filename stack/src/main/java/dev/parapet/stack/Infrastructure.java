package dev.parapet.stack;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a test or the local stack runs against: a Kafka bootstrap address, a schema registry URL and
 * the issuer of administrator tokens.
 */
public interface Infrastructure extends AutoCloseable {

    String bootstrapServers();

    String registryUrl();

    TokenIssuer tokens();

    /** The Spring properties that point a Parapet service at this infrastructure. */
    default Map<String, String> springProperties() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("spring.kafka.bootstrap-servers", bootstrapServers());
        properties.put("parapet.registry.url", registryUrl());
        properties.put("spring.security.oauth2.resourceserver.jwt.public-key-location",
                "file:" + tokens().publicKeyFile().toAbsolutePath());
        properties.put("spring.security.oauth2.resourceserver.jwt.audiences", TokenIssuer.AUDIENCE);
        // Not Boot's issuer-uri: beside a public key file Boot would take it for OpenID discovery.
        properties.put("parapet.security.jwt.issuer", TokenIssuer.ISSUER);
        // Signed-in users' tokens on DoH (dns-service; others ignore it): the same issuer, another audience.
        properties.put("parapet.dns.users.issuer", TokenIssuer.ISSUER);
        properties.put("parapet.dns.users.public-key", tokens().publicKeyFile().toAbsolutePath().toString());
        // One broker here: the services' production defaults (3 replicas, min ISR 2) would refuse every write.
        properties.put("parapet.kafka.replication-factor", "1");
        properties.put("parapet.kafka.min-insync-replicas", "1");
        return properties;
    }

    @Override
    void close();

    /**
     * Infrastructure that this code does not own: addresses only (the local stack's supervisor starts and
     * stops its broker and registry itself, and its services start before the registry is ready).
     */
    static Infrastructure at(String bootstrapServers, String registryUrl, TokenIssuer tokens) {
        return new Infrastructure() {
            @Override
            public String bootstrapServers() {
                return bootstrapServers;
            }

            @Override
            public String registryUrl() {
                return registryUrl;
            }

            @Override
            public TokenIssuer tokens() {
                return tokens;
            }

            @Override
            public void close() {
                // Not ours to stop.
            }
        };
    }
}
