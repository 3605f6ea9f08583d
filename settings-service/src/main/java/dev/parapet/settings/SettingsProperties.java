package dev.parapet.settings;

import java.time.Duration;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Role;
import dev.parapet.settings.feeds.FeedProperties;
import dev.parapet.settings.quotas.Quotas;

/**
 * @param encryptionKeys       id to base64 of a 32-byte AES key (tamper passwords are kept encrypted to be revealed)
 * @param currentEncryptionKey the id that seals new secrets
 * @param commandTimeout       how long an API call waits for its change to be applied
 * @param stateDirectory       the command processor's local state (rebuilt from Kafka if lost)
 * @param allowPrivateRanges   accept private and loopback ranges as locations, and such addresses as SIEM destinations (the local stack and tests only)
 * @param operatorAccounts     accounts of the platform operator, whose Super and Full Administrators may import category feeds
 *                             and manage feed subscriptions
 * @param streamHeartbeat      how often an idle agent configuration stream sends a comment, to keep proxies from closing it
 * @param quotas               what one account or agent may hold ({@code parapet.settings.quotas.*})
 * @param feeds                how category feed subscriptions are fetched ({@code parapet.settings.feeds.*})
 * @param locationDotDomain    the domain of locations' DNS over TLS host names ({@code <label>.<domain>}): the same as
 *                             dns-service's {@code parapet.dns.location-dot-domain}
 */
@ConfigurationProperties("parapet.settings")
public record SettingsProperties(Map<String, String> encryptionKeys,
                                 String currentEncryptionKey,
                                 @DefaultValue("10s") Duration commandTimeout,
                                 @DefaultValue("${java.io.tmpdir}/parapet-settings-service") String stateDirectory,
                                 @DefaultValue("false") boolean allowPrivateRanges,
                                 @DefaultValue("") java.util.Set<java.util.UUID> operatorAccounts,
                                 @DefaultValue("30s") Duration streamHeartbeat,
                                 @DefaultValue Quotas quotas,
                                 @DefaultValue FeedProperties feeds,
                                 @DefaultValue("dot.parapet.local") String locationDotDomain) {

    /** Whether this administrator is one of the platform operator's Super or Full Administrators. */
    public boolean isOperator(Admin admin) {
        return operatorAccounts.contains(admin.accountId())
                && (admin.role() == Role.SUPER_ADMIN || admin.role() == Role.FULL_ADMIN);
    }

    /** Refuses (403) unless {@link #isOperator}; {@code what} completes "Only the platform operator's … may …". */
    public void requireOperator(Admin admin, String what) {
        if (!isOperator(admin)) {
            throw Problems.forbidden("Only the platform operator's Super or Full Administrators may " + what + ".");
        }
    }
}
