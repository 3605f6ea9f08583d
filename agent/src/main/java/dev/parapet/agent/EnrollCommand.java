package dev.parapet.agent;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.UUID;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code enroll}: exchanges the CustomerKey for this device's agent id and credential and saves
 * them. Enrolling again (with the same device id) gets the same agent id and a new credential, and
 * starts from a clean state: a new key means an account's configuration starts over for this agent.
 */
@Command(name = "enroll", mixinStandardHelpOptions = true,
        description = "Enrol this device with the account's CustomerKey file and save the agent credential.")
final class EnrollCommand extends AgentCommand {

    @Option(names = "--key-file", required = true, paramLabel = "FILE", description = "The CustomerKey file (ParapetKey=…, ApiBaseUrl=…, Region=…).")
    Path keyFile;

    @Option(names = "--device-id", paramLabel = "ID", description = "This device's stable id (default: kept from an earlier enrolment, else a new random one).")
    String deviceId;

    @Option(names = "--hostname", paramLabel = "NAME", description = "Host name to report (default: this machine's).")
    String hostname;

    @Option(names = "--os-name", description = "OS name to report (default: the JVM's os.name).")
    String osName;

    @Option(names = "--os-edition", description = "OS edition to report, e.g. Pro or Enterprise (default: none).")
    String osEdition;

    @Option(names = "--os-version", description = "OS version to report (default: the JVM's os.version).")
    String osVersion;

    @Option(names = "--configuration-url", paramLabel = "URL", description = "Configuration stream (default: <ApiBaseUrl>/agent/v1/configuration).")
    URI configurationUrl;

    @Option(names = "--doh-url", paramLabel = "URL", description = "DNS over HTTPS (default: <ApiBaseUrl>/dns-query).")
    URI dohUrl;

    @Option(names = "--telemetry-url", paramLabel = "URL", description = "Telemetry intake (default: <ApiBaseUrl>/agent/v1/telemetry).")
    URI telemetryUrl;

    @Option(names = "--doh-ca", paramLabel = "FILE", description = "A PEM certificate to trust for DoH TLS as well as the system's (the local stack's self-signed one).")
    Path dohCa;

    @Override
    public Integer call() throws IOException {
        CustomerKeyFile key;
        try {
            key = CustomerKeyFile.read(keyFile);
        } catch (IOException e) {
            throw new AgentException(AgentException.FAILED, "Cannot read " + keyFile + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new AgentException(AgentException.FAILED, e.getMessage());
        }
        Path ca = null;
        if (dohCa != null) {
            if (!Files.isReadable(dohCa)) {
                throw new AgentException(AgentException.FAILED, "Cannot read the DoH CA file " + dohCa);
            }
            ca = dohCa.toAbsolutePath();
            HttpClients.trusting(ca); // fails now, not at the first query, if it is no certificate
        }
        Endpoints defaults = Endpoints.defaults(key.apiBaseUrl());
        Endpoints endpoints = new Endpoints(checked(configurationUrl, defaults.configuration(), "--configuration-url"),
                checked(dohUrl, defaults.doh(), "--doh-url"), checked(telemetryUrl, defaults.telemetry(), "--telemetry-url"));
        StateStore store = store();
        AgentState previous = loadQuietly(store);
        String device = deviceId != null ? deviceId
                : previous != null ? previous.enrolment().deviceId() : "agent-" + UUID.randomUUID();
        String host = hostname != null ? hostname : localHostname();
        String os = osName != null ? osName : System.getProperty("os.name", "unknown");
        String version = osVersion != null ? osVersion : System.getProperty("os.version", "unknown");

        Enrolment.Result result = new Enrolment(HttpClients.create(null))
                .enrol(key, new Enrolment.Request(device, host, os, version));
        AgentState.Enrolled enrolled = new AgentState.Enrolled(result.agentId(), result.accountId(), result.credential(),
                result.region(), result.apiBaseUrl(), endpoints, ca == null ? null : ca.toString(), device, host, os,
                osEdition, version, Instant.now());
        store.replace(AgentState.enrolled(enrolled));
        out().printf("Enrolled: agent %s of account %s (region %s)%n", result.agentId(), result.accountId(), result.region());
        out().printf("State saved in %s (0600). Start protection with: parapet-agent run%n", store.stateFile());
        return 0;
    }

    private static AgentState loadQuietly(StateStore store) {
        try {
            return store.load().orElse(null);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static URI checked(URI given, URI fallback, String flag) {
        URI uri = given != null ? given : fallback;
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new AgentException(AgentException.FAILED, flag + " must be an http(s) URL with a host");
        }
        if (!Endpoints.isAllowed(uri)) {
            throw new AgentException(AgentException.FAILED, flag + " must be https:// (plain http only to this machine)");
        }
        return uri;
    }

    private static String localHostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }
}
