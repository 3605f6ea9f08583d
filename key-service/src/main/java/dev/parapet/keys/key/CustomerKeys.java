package dev.parapet.keys.key;

import java.security.SecureRandom;
import java.util.Locale;
import java.util.Optional;
import java.util.zip.CRC32;

import dev.parapet.schemas.v1.common.Region;

/**
 * The text of an account's security agent key: {@code pk1-<region>-<32 characters>-<4 characters>}.
 * 160 bits from a CSPRNG in Crockford base32 (no I, L, O or U to misread), the account's region so
 * that an agent knows its API, and a checksum so that a mistyped key is told apart from a revoked
 * one without asking the server. Parsing ignores case, spaces and extra dashes.
 */
public final class CustomerKeys {

    private static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static final String PREFIX = "PK1";
    private static final int RANDOM_BYTES = 20;
    private static final int BODY_CHARS = 32;
    private static final int CHECK_CHARS = 4;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A key as typed, parsed: its region and canonical text. */
    public record ParsedKey(Region region, String canonical) {
    }

    /** Why a text is not a key. */
    public enum Malformation { NOT_A_KEY, UNKNOWN_REGION, MISTYPED }

    private CustomerKeys() {
    }

    public static String generate(Region region) {
        byte[] random = new byte[RANDOM_BYTES];
        RANDOM.nextBytes(random);
        String body = base32(random);
        String head = PREFIX + "-" + region.name() + "-" + body;
        return head + "-" + checksum(head);
    }

    /** The parsed key, or why the text is not one. */
    public static Result parse(String text) {
        if (text == null || text.length() > 200) {
            return Result.malformed(Malformation.NOT_A_KEY);
        }
        String compact = text.toUpperCase(Locale.ROOT).replaceAll("[\\s-]", "");
        if (!compact.startsWith(PREFIX)) {
            return Result.malformed(Malformation.NOT_A_KEY);
        }
        String rest = compact.substring(PREFIX.length());
        for (Region region : Region.values()) {
            String name = region.name();
            if (rest.startsWith(name) && rest.length() == name.length() + BODY_CHARS + CHECK_CHARS) {
                String body = rest.substring(name.length(), name.length() + BODY_CHARS);
                String check = rest.substring(name.length() + BODY_CHARS);
                if (!validChars(body) || !validChars(check)) {
                    return Result.malformed(Malformation.MISTYPED);
                }
                String head = PREFIX + "-" + name + "-" + body;
                if (!checksum(head).equals(check)) {
                    return Result.malformed(Malformation.MISTYPED);
                }
                return new Result(Optional.of(new ParsedKey(region, head + "-" + check)), Optional.empty());
            }
        }
        return Result.malformed(rest.length() >= BODY_CHARS ? Malformation.UNKNOWN_REGION : Malformation.NOT_A_KEY);
    }

    /** Either a key or a malformation. */
    public record Result(Optional<ParsedKey> key, Optional<Malformation> malformation) {
        static Result malformed(Malformation why) {
            return new Result(Optional.empty(), Optional.of(why));
        }
    }

    private static boolean validChars(String s) {
        return s.chars().allMatch(c -> ALPHABET.indexOf(c) >= 0);
    }

    static String checksum(String head) {
        CRC32 crc = new CRC32();
        crc.update(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        long value = crc.getValue() & 0xFFFFF;
        StringBuilder out = new StringBuilder();
        for (int i = CHECK_CHARS - 1; i >= 0; i--) {
            out.append(ALPHABET.charAt((int) ((value >> (5 * i)) & 31)));
        }
        return out.toString();
    }

    private static String base32(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        int buffer = 0;
        int bits = 0;
        for (byte b : bytes) {
            buffer = (buffer << 8) | (b & 0xFF);
            bits += 8;
            while (bits >= 5) {
                out.append(ALPHABET.charAt((buffer >> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(ALPHABET.charAt((buffer << (5 - bits)) & 31));
        }
        return out.toString();
    }
}
