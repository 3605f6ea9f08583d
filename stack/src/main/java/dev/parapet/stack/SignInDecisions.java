package dev.parapet.stack;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Whom the local stand-in identity provider signs in, decided from what the account registry says
 * (settings-service's operator API, as JSON): an address is signed in only as an administrator of
 * an ACTIVE account that lists it, with the role that account lists; a Partner Administrator's token
 * also names the accounts their account manages.
 */
public final class SignInDecisions {

    /** A token to issue. */
    public record Grant(String subject, UUID accountId, String role, List<UUID> managedAccounts) {
    }

    /** A refusal as OAuth 2.0 words it (RFC 6749, 5.2): {@code invalid_request} or {@code invalid_grant}. */
    public record Refusal(String error, String description) {
    }

    /** One or the other. */
    public record Outcome(Optional<Grant> grant, Optional<Refusal> refusal) {
        static Outcome granted(Grant grant) {
            return new Outcome(Optional.of(grant), Optional.empty());
        }

        static Outcome refused(String error, String description) {
            return new Outcome(Optional.empty(), Optional.of(new Refusal(error, description)));
        }
    }

    private static final Pattern EMAIL = Pattern.compile("[a-z0-9._%+'-]{1,64}@[a-z0-9.-]{1,253}");

    private SignInDecisions() {
    }

    /** The address as the registry keeps it (trimmed, lower case), or empty if it is not an address. */
    public static Optional<String> address(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String email = text.strip().toLowerCase(Locale.ROOT);
        return email.length() <= 254 && EMAIL.matcher(email).matches() ? Optional.of(email) : Optional.empty();
    }

    /**
     * @param email    the address, as {@link #address} made it
     * @param listing  the accounts that list it as an administrator (the operator API's answer to
     *                 {@code ?administrator=<email>}: at most one, an address administers one account)
     * @param managed  the accounts whose partner is that account (asked only for a Partner Administrator)
     */
    public static Outcome decide(String email, List<?> listing, java.util.function.Function<UUID, List<?>> managed) {
        if (listing.isEmpty()) {
            return Outcome.refused("invalid_grant", email + " is not an administrator of any account in the registry");
        }
        if (!(listing.get(0) instanceof Map<?, ?> account)) {
            return Outcome.refused("invalid_grant", "the registry's answer was not understood");
        }
        UUID accountId = UUID.fromString(String.valueOf(account.get("accountId")));
        if (!"ACTIVE".equals(account.get("status"))) {
            return Outcome.refused("invalid_grant", "account " + accountId + " is suspended");
        }
        String role = null;
        if (account.get("administrators") instanceof List<?> administrators) {
            for (Object administrator : administrators) {
                if (administrator instanceof Map<?, ?> listed && email.equals(listed.get("email"))) {
                    role = String.valueOf(listed.get("role"));
                }
            }
        }
        if (role == null) {
            return Outcome.refused("invalid_grant", email + " is not an administrator of any account in the registry");
        }
        List<UUID> managedAccounts = new ArrayList<>();
        if (role.equals("PARTNER_ADMIN")) {
            for (Object customer : managed.apply(accountId)) {
                if (customer instanceof Map<?, ?> listed) {
                    managedAccounts.add(UUID.fromString(String.valueOf(listed.get("accountId"))));
                }
            }
        }
        return Outcome.granted(new Grant(email, accountId, role, managedAccounts));
    }
}
