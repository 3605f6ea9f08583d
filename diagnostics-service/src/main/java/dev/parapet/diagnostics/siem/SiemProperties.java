package dev.parapet.diagnostics.siem;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import dev.parapet.diagnostics.siem.Syslog.Facility;
import dev.parapet.schemas.access.KafkaAccess;

/**
 * The SIEM exports' settings ({@code parapet.diagnostics.siem.*}), set by the operator: which account's
 * verdicts go to which syslog receiver. Checked at start, so that a destination that cannot work stops the
 * service with a message naming it instead of failing quietly later.
 *
 * @param destinations   one receiver per account (an account at most once: each has its own consumer group)
 * @param hostname       the HOSTNAME of every message; empty: this machine's name
 * @param maxPollRecords verdicts read at once per destination, the most one destination holds in memory
 * @param startAt        where a destination's first read begins: {@code latest} (verdicts from its first
 *                       start on) or {@code earliest} (everything the topic still holds)
 * @param connectTimeout how long a connection and its TLS handshake may take
 * @param minBackoff     the first pause after a failure, doubled after each failure in a row
 * @param maxBackoff     the longest pause
 * @param maxAccountDestinations the most destinations set by accounts' administrators this instance exports at once (each
 *                               is a reader of the whole verdicts topic); beyond it a destination waits, counted and logged
 * @param allowPrivateAddresses whether destinations set by accounts' administrators (parapet.siem-destinations.v1) may be
 *                              reached at loopback and private addresses (the local stack and tests only); the
 *                              operator's own destinations, configured here, always may
 */
@ConfigurationProperties("parapet.diagnostics.siem")
public record SiemProperties(
        @DefaultValue List<Destination> destinations,
        @DefaultValue("") String hostname,
        @DefaultValue("500") int maxPollRecords,
        @DefaultValue("latest") String startAt,
        @DefaultValue("10s") Duration connectTimeout,
        @DefaultValue("1s") Duration minBackoff,
        @DefaultValue("30s") Duration maxBackoff,
        @DefaultValue("false") boolean allowPrivateAddresses,
        @DefaultValue("50") int maxAccountDestinations) {

    private static final String PREFIX = "parapet.diagnostics.siem.";

    public SiemProperties {
        destinations = List.copyOf(destinations);
        Set<UUID> accounts = new HashSet<>();
        for (int i = 0; i < destinations.size(); i++) {
            if (!accounts.add(destinations.get(i).account())) {
                throw new IllegalArgumentException(PREFIX + "destinations[" + i + "].account " + destinations.get(i).account()
                        + " has another destination already: one destination per account");
            }
        }
        if (maxPollRecords < 1 || maxPollRecords > 10_000) {
            throw new IllegalArgumentException(PREFIX + "max-poll-records must be from 1 to 10000");
        }
        if (!startAt.equals("latest") && !startAt.equals("earliest")) {
            throw new IllegalArgumentException(PREFIX + "start-at must be latest or earliest, not '" + startAt + "'");
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            // A zero timeout is "wait for ever" to the socket: one unanswering receiver would hold its destination.
            throw new IllegalArgumentException(PREFIX + "connect-timeout must be positive, not " + connectTimeout);
        }
        if (maxAccountDestinations < 0) {
            throw new IllegalArgumentException(PREFIX + "max-account-destinations must be 0 or more");
        }
        if (minBackoff.isNegative() || minBackoff.isZero() || maxBackoff.compareTo(minBackoff) < 0) {
            throw new IllegalArgumentException(PREFIX + "min-backoff must be positive and at most max-backoff");
        }
    }

    /**
     * One syslog-over-TLS receiver (RFC 5425) and the account whose verdicts it gets.
     *
     * @param account        the account
     * @param host           the receiver's name or IP address
     * @param port           its TCP port (6514 is syslog over TLS's registered port)
     * @param caFile         PEM file of the certificate authorities the receiver's certificate must chain to
     * @param verifyHostname whether the receiver's certificate must name {@code host} (only turn off for a receiver
     *                       reached by an address its certificate does not name)
     * @param format         {@code JSON} or {@code CEF}
     * @param facility       {@code LOCAL0} or {@code USER}
     * @param clientCertificateFile for a receiver that asks for client certificates (mutual TLS): PEM file of this
     *                              service's certificate, then any intermediate certificates; with {@code clientKeyFile}
     * @param clientKeyFile  its private key: an unencrypted PKCS #8 PEM file ({@code BEGIN PRIVATE KEY}), RSA or EC
     */
    public record Destination(
            UUID account,
            String host,
            int port,
            Path caFile,
            @DefaultValue("true") boolean verifyHostname,
            @DefaultValue("JSON") SiemFormat format,
            @DefaultValue("LOCAL0") Facility facility,
            Path clientCertificateFile,
            Path clientKeyFile) {

        /** A DNS name, an IPv4 address or an IPv6 address (without brackets). */
        private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._-]{1,253}|[0-9A-Fa-f:.]{2,45}");

        public Destination {
            // Spring names the destination's place in the settings (destinations[1]) in the failure it reports; this, its account.
            String name = PREFIX + "destinations[] (account " + account + ")";
            if (account == null) {
                throw new IllegalArgumentException(PREFIX + "destinations[].account is required");
            }
            if (host == null || !HOST.matcher(host).matches()) {
                throw new IllegalArgumentException(name + ".host must be a host name or IP address, not '" + host + "'");
            }
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException(name + ".port must be from 1 to 65535, not " + port);
            }
            if (caFile == null) {
                throw new IllegalArgumentException(name + ".ca-file is required: the PEM certificate(s) that verify the receiver");
            }
            readable(name + ".ca-file", caFile);
            if ((clientCertificateFile == null) != (clientKeyFile == null)) {
                throw new IllegalArgumentException(name + ".client-certificate-file and .client-key-file go together: set both or neither");
            }
            if (clientCertificateFile != null) {
                readable(name + ".client-certificate-file", clientCertificateFile);
                readable(name + ".client-key-file", clientKeyFile);
            }
        }

        private static void readable(String setting, Path file) {
            if (!Files.isReadable(file)) {
                throw new IllegalArgumentException(setting + " " + file.toAbsolutePath() + " cannot be read");
            }
        }

        /** Whether the receiver gets a client certificate. */
        public boolean mutualTls() {
            return clientCertificateFile != null;
        }

        /** The consumer group of this destination's export. */
        public String group() {
            return KafkaAccess.SIEM_GROUP_PREFIX + account;
        }
    }
}
