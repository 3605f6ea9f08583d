package dev.parapet.settings.propagation;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param enforcedWait how long a write with {@code ?wait=enforced} waits at most for every live resolver to apply it
 * @param maxChanges   recent changes whose propagation this instance keeps, at most (all accounts)
 * @param keepFor      how long after it was written a change's propagation is kept
 */
@ConfigurationProperties("parapet.settings.propagation")
public record PropagationProperties(@DefaultValue("10s") Duration enforcedWait,
                                    @DefaultValue("10000") int maxChanges,
                                    @DefaultValue("1h") Duration keepFor) {
}
