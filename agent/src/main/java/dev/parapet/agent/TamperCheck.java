package dev.parapet.agent;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

import dev.parapet.agent.AgentConfiguration.PasswordVerifier;
import dev.parapet.agent.AgentConfiguration.TamperProtection;

/**
 * Checks a typed tamper-protection password offline against the PBKDF2 verifiers the configuration
 * stream delivered (PBKDF2WithHmacSHA256, 256-bit output, salt and iteration count from the
 * verifier, as {@code dev.parapet.kit.secrets.Secrets.passwordVerifier} makes them). The current and
 * the previous password are both accepted, so a device that has not yet heard of a new password still
 * opens with the one its administrator just replaced. The agent never learns the password itself.
 */
public final class TamperCheck {

    public enum Outcome { CURRENT, PREVIOUS, WRONG, NOT_CONFIGURED }

    static final String ALGORITHM = "PBKDF2WithHmacSHA256";
    /** A verifier asking for more than this is refused: a hostile configuration must not make a check take hours. */
    static final int MAX_ITERATIONS = 5_000_000;

    private TamperCheck() {
    }

    public static Outcome check(String password, TamperProtection protection) {
        if (protection == null || protection.current() == null) {
            return Outcome.NOT_CONFIGURED;
        }
        if (matches(password, protection.current())) {
            return Outcome.CURRENT;
        }
        if (protection.previous() != null && matches(password, protection.previous())) {
            return Outcome.PREVIOUS;
        }
        return Outcome.WRONG;
    }

    /** Constant-time comparison of the derived key; any verifier the agent cannot use matches nothing. */
    static boolean matches(String password, PasswordVerifier verifier) {
        if (!ALGORITHM.equals(verifier.algorithm()) || verifier.iterations() < 1 || verifier.iterations() > MAX_ITERATIONS) {
            return false;
        }
        byte[] salt;
        byte[] expected;
        try {
            salt = Base64.getDecoder().decode(verifier.salt());
            expected = Base64.getDecoder().decode(verifier.hash());
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (salt.length == 0 || expected.length != 32) {
            return false;
        }
        PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, verifier.iterations(), 256);
        try {
            byte[] derived = SecretKeyFactory.getInstance(ALGORITHM).generateSecret(spec).getEncoded();
            return MessageDigest.isEqual(derived, expected);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The JDK has no " + ALGORITHM, e);
        } finally {
            spec.clearPassword();
        }
    }
}
