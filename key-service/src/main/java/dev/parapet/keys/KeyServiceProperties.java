package dev.parapet.keys;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param encryptionKeys     id to base64 of a 32-byte AES key; keys stay listed while anything sealed with them lives
 * @param currentEncryptionKey the id that seals new secrets
 * @param regionUrls         region (lower case) to the API base URL its agents use
 * @param apiUrl             when set, the API base URL of every region's agents (a deployment that serves its
 *                           regions from one address, as docker-compose.yml does); {@code regionUrls} otherwise
 * @param defaultRegion      the region of accounts that have not chosen one
 * @param enrolmentsPerAddressPerMinute enrolment attempts allowed per source address and minute
 * @param enrolmentsPerKeyPerMinute     enrolment attempts allowed per presented key and minute
 * @param commandTimeout     how long an API call waits for its command to be applied
 * @param stateDirectory     where the command processor keeps its local state (rebuilt from Kafka if lost)
 */
@ConfigurationProperties("parapet.keys")
public record KeyServiceProperties(Map<String, String> encryptionKeys,
                                   String currentEncryptionKey,
                                   Map<String, String> regionUrls,
                                   @DefaultValue("eu") String defaultRegion,
                                   @DefaultValue("30") int enrolmentsPerAddressPerMinute,
                                   @DefaultValue("120") int enrolmentsPerKeyPerMinute,
                                   @DefaultValue("10s") Duration commandTimeout,
                                   @DefaultValue("${java.io.tmpdir}/parapet-key-service") String stateDirectory,
                                   String apiUrl) {

    /** The API base URL of a region's agents (written into CustomerKey files and enrolments), or null if none is set. */
    public String apiBaseUrl(String region) {
        if (apiUrl != null && !apiUrl.isBlank()) {
            return apiUrl;
        }
        return regionUrls == null ? null : regionUrls.get(region.toLowerCase(Locale.ROOT));
    }
}
