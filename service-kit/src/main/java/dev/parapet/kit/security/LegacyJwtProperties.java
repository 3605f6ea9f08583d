package dev.parapet.kit.security;

import java.util.Map;
import java.util.function.UnaryOperator;

import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;

/**
 * Spring Boot's resource-server key properties under the names Parapet used before it relied on
 * Boot's own ({@code parapet.security.jwt.jwk-set-uri}, {@code parapet.security.jwt.public-key-location}),
 * so that deployments and scripts written for those keep working. Looked up when asked for, at the
 * lowest precedence: Boot's own names win, and a value given in any source under the old name counts.
 */
public final class LegacyJwtProperties extends PropertySource<UnaryOperator<String>> {

    public static final String NAME = "parapetLegacyJwtProperties";

    static final String BOOT = "spring.security.oauth2.resourceserver.jwt.";

    private static final Map<String, String> ALIASES = Map.of(
            BOOT + "jwk-set-uri", "parapet.security.jwt.jwk-set-uri",
            BOOT + "public-key-location", "parapet.security.jwt.public-key-location");

    /**
     * The environment is reached through a function, not held as the source: Boot's binder walks into a
     * property source whose source is an environment, and this one is inside that environment.
     */
    public LegacyJwtProperties(ConfigurableEnvironment environment) {
        super(NAME, environment::getProperty);
    }

    @Override
    public Object getProperty(String name) {
        String legacy = ALIASES.get(name);
        return legacy == null ? null : getSource().apply(legacy);
    }
}
