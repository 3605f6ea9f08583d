package dev.parapet.kit.agents;

import java.util.Optional;
import java.util.UUID;

/**
 * The agent credential: {@code pac1.<agentId>.<256 random bits, base64url>}. The agent id in clear
 * lets a service find the verifier to check the secret against; only the verifier is ever stored.
 */
public final class AgentCredentials {

    private static final String PREFIX = "pac1.";

    /** A credential split into the agent it names and its secret. */
    public record Parsed(UUID agentId, String secret) {
    }

    private AgentCredentials() {
    }

    public static String format(UUID agentId, String secret) {
        return PREFIX + agentId + "." + secret;
    }

    public static Optional<Parsed> parse(String credential) {
        if (credential == null || !credential.startsWith(PREFIX) || credential.length() > 200) {
            return Optional.empty();
        }
        String rest = credential.substring(PREFIX.length());
        int dot = rest.indexOf('.');
        if (dot != 36) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Parsed(UUID.fromString(rest.substring(0, dot)), rest.substring(dot + 1)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
