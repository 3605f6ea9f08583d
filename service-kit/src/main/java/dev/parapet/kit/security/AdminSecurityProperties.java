package dev.parapet.kit.security;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.core.io.Resource;

/**
 * Which administrator tokens to trust: signed by the issuer's keys, published at {@code jwkSetUri}
 * (production) or given as one public key file (the local stack), and issued by {@code issuer}.
 */
@ConfigurationProperties("parapet.security.jwt")
public record AdminSecurityProperties(String issuer, String jwkSetUri, Resource publicKeyLocation) {
}
