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

    /**
     * Whether the agent may talk to this URL: HTTPS anywhere, plain HTTP only to this machine (the
     * local stack). The agent sends its credential, users' queries and the tamper check over these
     * connections; on any other host, plain HTTP would hand them to whoever is on the path.
     */
    public static boolean isAllowed(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        return uri.getHost() != null && (scheme.equals("https") || scheme.equals("http") && isLoopback(uri.getHost()));
    }

    /** A loopback name or address literal, without asking any resolver. */
    static boolean isLoopback(String host) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (bare.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!bare.matches("[0-9.]+") && !bare.contains(":")) {
            return false;
        }
        try {
            return java.net.InetAddress.getByName(bare).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    public static Endpoints defaults(URI apiBaseUrl) {
        String base = apiBaseUrl.toString().replaceAll("/+$", "");
        return new Endpoints(URI.create(base + CONFIGURATION_PATH), URI.create(base + DOH_PATH), URI.create(base + TELEMETRY_PATH));
    }

    /** {@code GET …/agent/v1/updates}: the sibling of the telemetry path on the same host. */
    public URI updates() {
        return telemetry.resolve("updates");
    }
}
