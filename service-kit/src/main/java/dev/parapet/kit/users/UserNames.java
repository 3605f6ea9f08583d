package dev.parapet.kit.users;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A signed-in user's name (a verified token's {@code email} on DoH, telemetry's {@code signedInUser}):
 * an e-mail-like name of at most 254 characters, stripped and lower-cased as policies key it, so
 * that verdicts and telemetry name a user the same way.
 */
public final class UserNames {

    public static final int MAX_LENGTH = 254;

    private static final Pattern EMAIL = Pattern.compile("[a-z0-9._%+'-]{1,64}@[a-z0-9.-]{1,253}");

    private UserNames() {
    }

    /** The name as policies key it, or empty when {@code text} is not an e-mail-like name. */
    public static Optional<String> normalise(String text) {
        String email = text.strip().toLowerCase(Locale.ROOT);
        return email.length() <= MAX_LENGTH && EMAIL.matcher(email).matches() ? Optional.of(email) : Optional.empty();
    }
}
