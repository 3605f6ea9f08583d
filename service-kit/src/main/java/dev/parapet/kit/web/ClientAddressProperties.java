package dev.parapet.kit.web;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The load balancers and proxies whose word on the client's address is believed
 * ({@code parapet.web.trusted-proxies}: CIDR ranges or addresses; none by default, so forwarded
 * headers are never read) and the header they write ({@code parapet.web.forwarded-header}).
 */
@ConfigurationProperties("parapet.web")
public record ClientAddressProperties(@DefaultValue List<String> trustedProxies,
                                      @DefaultValue("x-forwarded-for") TrustedProxies.Header forwardedHeader) {

    public TrustedProxies trusted() {
        return TrustedProxies.parse(trustedProxies, forwardedHeader);
    }
}
