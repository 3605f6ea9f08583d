package dev.parapet.dns.pages;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The block-page server: where it listens and the secret its certificates and "Continue" tokens
 * derive from.
 *
 * @param enabled   whether this instance serves block pages at all
 * @param address   where both listeners bind: the address the resolver answers blocked names with
 * @param httpPort  the plain HTTP port (80 in production; 0 picks a free one, as tests do)
 * @param httpsPort the HTTPS port (443 in production; 0 picks a free one)
 * @param caSecret  base64 of at least 32 random bytes, the same on every instance: each account's CA
 *                  derives from it, so changing it changes every CA (the way to rotate them). When
 *                  absent a random one is drawn at start, and the CAs change at every restart
 * @param allowance how long "Continue" on a warning page lets that client resolve that name
 */
@ConfigurationProperties("parapet.dns.pages")
public record PagesProperties(@DefaultValue("true") boolean enabled,
                              @DefaultValue("127.0.0.1") String address,
                              @DefaultValue("80") int httpPort,
                              @DefaultValue("443") int httpsPort,
                              String caSecret,
                              @DefaultValue("10m") Duration allowance) {

    public PagesProperties {
        if (allowance.isNegative() || allowance.isZero()) {
            throw new IllegalArgumentException("parapet.dns.pages.allowance must be positive");
        }
    }

    /** Never shows the secret, whatever prints the properties. */
    @Override
    public String toString() {
        return "PagesProperties[enabled=" + enabled + ", address=" + address + ", httpPort=" + httpPort
                + ", httpsPort=" + httpsPort + ", caSecret=" + (caSecret == null ? "absent" : "(set)")
                + ", allowance=" + allowance + "]";
    }
}
