package dev.parapet.agent;

import java.net.URI;

/**
 * Where the agent talks to Parapet. In production every endpoint is behind the region's one API
 * host (the key's {@code ApiBaseUrl}); the local stack runs each service on its own port, so each
 * can be overridden at enrolment. The update check lives beside telemetry on diagnostics-service.
 */
public record Endpoints(URI configuration, URI doh, URI telemetry) {

    public static final String CONFIGURATION_PATH = "/agent/v1/configuration";
    public static final String DOH_PATH = "/dns-query";
    public static final String TELEMETRY_PATH = "/agent/v1/telemetry";

    public static Endpoints defaults(URI apiBaseUrl) {
        String base = apiBaseUrl.toString().replaceAll("/+$", "");
        return new Endpoints(URI.create(base + CONFIGURATION_PATH), URI.create(base + DOH_PATH), URI.create(base + TELEMETRY_PATH));
    }

    /** {@code GET …/agent/v1/updates}: the sibling of the telemetry path on the same host. */
    public URI updates() {
        return telemetry.resolve("updates");
    }
}
