package dev.parapet.settings.tamper;

import java.security.SecureRandom;

/**
 * Tamper-protection passwords that people read aloud and type: five groups of five characters from
 * Crockford's base32 (no I, L, O or U), 125 bits from a CSPRNG.
 */
public final class TamperPasswords {

    private static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static final SecureRandom RANDOM = new SecureRandom();

    private TamperPasswords() {
    }

    public static String generate() {
        StringBuilder password = new StringBuilder();
        for (int group = 0; group < 5; group++) {
            if (group > 0) {
                password.append('-');
            }
            for (int i = 0; i < 5; i++) {
                password.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
            }
        }
        return password.toString();
    }
}
