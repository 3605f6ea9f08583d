package dev.parapet.agent;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the account's configuration stream tells the agent: its settings (with the tamper-protection
 * verifiers) and its exceptions. Read from the stream's JSON field by field, each checked, because the
 * agent acts on it offline (passwords, which names leave Parapet): a value of the wrong kind is refused
 * whole with the field named, never half-applied.
 */
public record AgentConfiguration(Settings settings, Exceptions exceptions) {

    /** The product's defaults for an account that never changed anything: what a fresh install uses until its first configuration. */
    public static final List<String> DEFAULT_EXCEPTION_DOMAINS =
            List.of("local", "internal", "lan", "home", "corp", "localdomain", "domain", "mail");

    public static AgentConfiguration installDefaults() {
        return new AgentConfiguration(new Settings(0, true, false, false, null), new Exceptions(0, DEFAULT_EXCEPTION_DOMAINS, List.of()));
    }

    /** @param signIn where the account's users sign in (the stream's {@code settings.signIn}), or null */
    public record Settings(long version, boolean userAuthentication, boolean enforceUserAuthentication, boolean manageUpdates,
                           TamperProtection tamperProtection, SignIn signIn) {

        public Settings(long version, boolean userAuthentication, boolean enforceUserAuthentication, boolean manageUpdates,
                        TamperProtection tamperProtection) {
            this(version, userAuthentication, enforceUserAuthentication, manageUpdates, tamperProtection, null);
        }
    }

    /** The account's identity provider: its issuer URL and the agent's client id there. */
    public record SignIn(String issuer, String clientId) {
    }

    /** {@code previous} is null until a password was generated twice. */
    public record TamperProtection(PasswordVerifier current, PasswordVerifier previous, String generatedAt) {
    }

    /** A PBKDF2 verifier as settings-service publishes it (salt and hash in base64). */
    public record PasswordVerifier(String algorithm, int iterations, String salt, String hash) {
    }

    public record Exceptions(long version, List<String> domains, List<String> ipRanges) {
    }

    public AgentConfiguration withSettings(Settings newSettings) {
        return new AgentConfiguration(newSettings, exceptions);
    }

    public AgentConfiguration withExceptions(Exceptions newExceptions) {
        return new AgentConfiguration(settings, newExceptions);
    }

    /** Thrown for a configuration the agent will not apply; the message names the field. */
    public static final class Unreadable extends RuntimeException {
        public Unreadable(String message) {
            super(message);
        }
    }

    /** At most this many exception domains: settings-service's lists are far smaller; this only bounds memory against a hostile stream. */
    static final int MAX_DOMAINS = 100_000;
    private static final Pattern DOMAIN = Pattern.compile("(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*");
    private static final Pattern CIDR = Pattern.compile("[0-9a-fA-F:.]{2,45}/\\d{1,3}");

    public static Settings settings(JsonNode node) {
        requireObject(node, "settings");
        TamperProtection tamper = null;
        JsonNode tamperNode = node.get("tamperProtection");
        if (tamperNode != null && !tamperNode.isNull()) {
            requireObject(tamperNode, "settings.tamperProtection");
            PasswordVerifier current = verifier(tamperNode.get("current"), "settings.tamperProtection.current");
            if (current == null) {
                throw new Unreadable("settings.tamperProtection.current: required");
            }
            JsonNode generated = tamperNode.get("generatedAt");
            tamper = new TamperProtection(current, verifier(tamperNode.get("previous"), "settings.tamperProtection.previous"),
                    generated != null && generated.isTextual() ? generated.asText() : null);
        }
        return new Settings(version(node, "settings"), bool(node, "userAuthentication"), bool(node, "enforceUserAuthentication"),
                bool(node, "manageUpdates"), tamper, signIn(node.get("signIn")));
    }

    /** The sign-in address, checked as every address the agent talks to is (https, plain http on loopback only). */
    static SignIn signIn(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        requireObject(node, "settings.signIn");
        JsonNode issuer = node.get("issuer");
        JsonNode clientId = node.get("clientId");
        if (issuer == null || !issuer.isTextual() || issuer.asText().length() > 2048) {
            throw new Unreadable("settings.signIn.issuer: a URL is required");
        }
        java.net.URI uri;
        try {
            uri = java.net.URI.create(issuer.asText());
        } catch (IllegalArgumentException e) {
            throw new Unreadable("settings.signIn.issuer: not a URL");
        }
        if (!Endpoints.isAllowed(uri)) {
            throw new Unreadable("settings.signIn.issuer: https only (plain http on this machine only)");
        }
        String client = clientId != null && clientId.isTextual() && clientId.asText().matches("[A-Za-z0-9._:-]{1,255}")
                ? clientId.asText() : UserSignIn.DEFAULT_CLIENT_ID;
        return new SignIn(uri.toString(), client);
    }

    public static Exceptions exceptions(JsonNode node) {
        requireObject(node, "exceptions");
        List<String> domains = strings(node.get("domains"), "exceptions.domains");
        for (int i = 0; i < domains.size(); i++) {
            String domain = domains.get(i).toLowerCase(Locale.ROOT);
            if (domain.endsWith(".")) {
                domain = domain.substring(0, domain.length() - 1);
            }
            if (!DOMAIN.matcher(domain).matches()) {
                throw new Unreadable("exceptions.domains[" + i + "]: not a domain name");
            }
            domains.set(i, domain);
        }
        List<String> ranges = strings(node.get("ipRanges"), "exceptions.ipRanges");
        for (int i = 0; i < ranges.size(); i++) {
            if (!CIDR.matcher(ranges.get(i)).matches()) {
                throw new Unreadable("exceptions.ipRanges[" + i + "]: not a CIDR range");
            }
        }
        return new Exceptions(version(node, "exceptions"), List.copyOf(domains), List.copyOf(ranges));
    }

    /** The {@code configuration} event: the whole configuration at once. */
    public static AgentConfiguration whole(JsonNode node) {
        requireObject(node, "configuration");
        return new AgentConfiguration(settings(node.get("settings")), exceptions(node.get("exceptions")));
    }

    private static PasswordVerifier verifier(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            return null;
        }
        requireObject(node, field);
        JsonNode algorithm = node.get("algorithm");
        JsonNode iterations = node.get("iterations");
        JsonNode salt = node.get("salt");
        JsonNode hash = node.get("hash");
        if (algorithm == null || !algorithm.isTextual() || iterations == null || !iterations.canConvertToInt()
                || !iterations.isIntegralNumber() || salt == null || !salt.isTextual() || hash == null || !hash.isTextual()) {
            throw new Unreadable(field + ": needs algorithm, iterations, salt and hash");
        }
        try {
            Base64.getDecoder().decode(salt.asText());
            Base64.getDecoder().decode(hash.asText());
        } catch (IllegalArgumentException e) {
            throw new Unreadable(field + ": salt and hash must be base64");
        }
        return new PasswordVerifier(algorithm.asText(), iterations.intValue(), salt.asText(), hash.asText());
    }

    private static void requireObject(JsonNode node, String field) {
        if (node == null || !node.isObject()) {
            throw new Unreadable(field + ": must be an object");
        }
    }

    private static long version(JsonNode node, String field) {
        JsonNode version = node.get("version");
        if (version == null || !version.isIntegralNumber() || !version.canConvertToLong() || version.longValue() < 0) {
            throw new Unreadable(field + ".version: must be a whole number from 0");
        }
        return version.longValue();
    }

    private static boolean bool(JsonNode node, String name) {
        JsonNode value = node.get(name);
        if (value == null || !value.isBoolean()) {
            throw new Unreadable("settings." + name + ": must be true or false");
        }
        return value.booleanValue();
    }

    private static List<String> strings(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            return new ArrayList<>();
        }
        if (!node.isArray() || node.size() > MAX_DOMAINS) {
            throw new Unreadable(field + ": must be a list of at most " + MAX_DOMAINS + " strings");
        }
        List<String> values = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            JsonNode value = node.get(i);
            if (!value.isTextual()) {
                throw new Unreadable(field + "[" + i + "]: must be a string");
            }
            values.add(value.asText());
        }
        return values;
    }
}
