package dev.parapet.settings.accounts;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

import dev.parapet.kit.problem.Problems;
import dev.parapet.schemas.v1.accounts.AccountAdministrator;
import dev.parapet.settings.Inputs;

/** What the operator sends about accounts, validated and normalised, every error with its field. */
public final class AccountInput {

    /** The longest suspension reason kept. */
    static final int MAX_REASON = 500;

    /** A new account: its id (the client's, or a new one), name, partner and first administrator. */
    public record NewAccount(UUID accountId, String name, UUID partnerAccountId, AccountAdministrator administrator) {
    }

    private AccountInput() {
    }

    /**
     * A creation as the API takes it.
     *
     * @throws org.springframework.web.ErrorResponseException 400 naming every invalid field
     */
    public static NewAccount newAccount(AccountController.AccountCreate body) {
        if (body == null) {
            throw Problems.badRequest("A body with name and administrator ({\"email\",\"role\"}) is required.");
        }
        List<Problems.FieldError> errors = new ArrayList<>();
        String name = Inputs.name(body.name(), "name", errors);
        AccountAdministrator administrator = null;
        if (body.administrator() == null) {
            errors.add(new Problems.FieldError("administrator", "is required: the account's first administrator, {\"email\",\"role\"}"));
        } else {
            administrator = administrator(body.administrator().email(), body.administrator().role(), "administrator.", errors);
        }
        UUID accountId = body.accountId() == null ? UUID.randomUUID() : body.accountId();
        if (accountId.equals(body.partnerAccountId())) {
            errors.add(new Problems.FieldError("partnerAccountId", "an account cannot be its own partner"));
        }
        if (!errors.isEmpty()) {
            throw Problems.invalid(errors);
        }
        return new NewAccount(accountId, name, body.partnerAccountId(), administrator);
    }

    /** An administrator: an email address (lower-cased) and one of the built-in roles. */
    public static AccountAdministrator administrator(String email, String role, String prefix, List<Problems.FieldError> errors) {
        Inputs.Normalised address = Inputs.email(email);
        address.error().ifPresent(why -> errors.add(new Problems.FieldError(prefix + "email", why)));
        Optional<String> builtIn = role(role);
        if (builtIn.isEmpty()) {
            errors.add(new Problems.FieldError(prefix + "role", "must be one of " + AccountDecisions.ROLES.stream().sorted().toList()
                    + " (a custom role's permissions are given by the identity provider, not the registry)"));
        }
        return new AccountAdministrator(address.value().orElse(""), builtIn.orElse(""));
    }

    /** A built-in role, whatever its case. */
    static Optional<String> role(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String role = text.strip().toUpperCase(Locale.ROOT);
        return AccountDecisions.ROLES.contains(role) ? Optional.of(role) : Optional.empty();
    }

    /** A suspension's reason: optional, trimmed, at most {@value #MAX_REASON} characters, no control characters. */
    public static String reason(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String reason = text.strip();
        if (reason.length() > MAX_REASON) {
            throw Problems.invalid("reason", "at most " + MAX_REASON + " characters");
        }
        if (reason.chars().anyMatch(Character::isISOControl)) {
            throw Problems.invalid("reason", "must not contain control characters");
        }
        return reason;
    }

    /** The status filter of a listing: all (the default), active or suspended. */
    public static Optional<dev.parapet.schemas.v1.accounts.AccountStatus> status(String text) {
        return switch (text == null ? "all" : text.strip().toLowerCase(Locale.ROOT)) {
            case "all" -> Optional.empty();
            case "active" -> Optional.of(dev.parapet.schemas.v1.accounts.AccountStatus.ACTIVE);
            case "suspended" -> Optional.of(dev.parapet.schemas.v1.accounts.AccountStatus.SUSPENDED);
            default -> throw Problems.invalid("status", "must be all, active or suspended");
        };
    }
}
