package dev.parapet.dns.policy;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import dev.parapet.kit.net.LocationEndpoints;

/**
 * @param locationDotDomain the domain of locations' DNS over TLS host names, {@code <label>.<domain>}: the same as
 *                          settings-service's {@code parapet.settings.location-dot-domain}; the DoT listener's
 *                          certificate must name {@code *.<domain>}
 */
@ConfigurationProperties("parapet.dns")
public record LocationEndpointProperties(@DefaultValue(LocationEndpointProperties.DEFAULT_DOT_DOMAIN) String locationDotDomain) {

    public static final String DEFAULT_DOT_DOMAIN = "dot.parapet.local";

    /** The domain normalised; a start-up failure naming the property when it is no DNS name. */
    public String dotDomain() {
        return LocationEndpoints.domain(locationDotDomain, "parapet.dns.location-dot-domain");
    }
}
