package dev.parapet.diagnostics.querylog;

import java.util.ArrayList;
import java.util.List;

/**
 * How long an account's query log keeps what: security outcomes (every action but {@code ALLOWED}) in
 * detail for {@code securityDays}; {@code ALLOWED} queries in detail for {@code allowedDays}, then only as
 * hourly roll-ups (counts without user, device or client address), which go with the security horizon.
 */
public record Retention(int allowedDays, int securityDays) {

    public static final int MAX_DAYS = 3650;

    /** One rejected value: which field and why. */
    public record Violation(String field, String reason) {
    }

    public Retention {
        List<Violation> violations = violations(allowedDays, securityDays);
        if (!violations.isEmpty()) {
            throw new IllegalArgumentException(violations.stream().map(v -> v.field() + " " + v.reason()).toList().toString());
        }
    }

    /** What is wrong with these values (absent ones are null), nothing if they make a retention. */
    public static List<Violation> violations(Integer allowedDays, Integer securityDays) {
        List<Violation> violations = new ArrayList<>();
        if (allowedDays == null) {
            violations.add(new Violation("allowedDays", "is required"));
        } else if (allowedDays < 1 || allowedDays > MAX_DAYS) {
            violations.add(new Violation("allowedDays", "must be from 1 to " + MAX_DAYS));
        }
        if (securityDays == null) {
            violations.add(new Violation("securityDays", "is required"));
        } else if (securityDays < 1 || securityDays > MAX_DAYS) {
            violations.add(new Violation("securityDays", "must be from 1 to " + MAX_DAYS));
        } else if (allowedDays != null && allowedDays >= 1 && allowedDays <= MAX_DAYS && securityDays < allowedDays) {
            violations.add(new Violation("securityDays", "must be at least allowedDays (" + allowedDays + ")"));
        }
        return violations;
    }
}
