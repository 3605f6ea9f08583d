package dev.parapet.diagnostics.intake;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The signed-in user an agent names, by the rule dns-service applies to the same name in DoH's
 * {@code X-Parapet-User} ({@code dev.parapet.dns.resolve.Client#userEmail}): an e-mail-like name of at
 * most 254 characters, stripped and lower-cased as policies key it, so that telemetry and verdicts
 * name a user the same way. Kept equal to that rule by hand until it moves to service-kit.
 */
final class SignedInUsers {

    static final int MAX_LENGTH = 254;

    private static final Pattern EMAIL = Pattern.compile("[a-z0-9._%+'-]{1,64}@[a-z0-9.-]{1,253}");

    private SignedInUsers() {
    }

    /** The name as policies key it, or empty when {@code text} is not an e-mail-like name. */
    static Optional<String> normalise(String text) {
        String email = text.strip().toLowerCase(Locale.ROOT);
        return email.length() <= MAX_LENGTH && EMAIL.matcher(email).matches() ? Optional.of(email) : Optional.empty();
    }
}
