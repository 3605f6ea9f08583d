package dev.parapet.settings.exceptions;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.audit.Outcome;
import dev.parapet.schemas.v1.exceptions.AccountExceptions;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.UpdateExceptions;

/** An account's exceptions as a pure function of the current ones and one update. */
public final class ExceptionDecisions {

    /** The internal top-level domains every new account starts with (PRODUCT.md). */
    public static final List<String> DEFAULT_DOMAINS =
            List.of("local", "internal", "lan", "home", "corp", "localdomain", "domain", "mail");

    private ExceptionDecisions() {
    }

    public static AccountExceptions defaults(UUID accountId) {
        return AccountExceptions.newBuilder().setAccountId(accountId).setVersion(0).setDomains(DEFAULT_DOMAINS)
                .setIpRanges(List.of()).setUpdatedBy("defaults").setUpdatedAt(Instant.EPOCH).build();
    }

    /** The new exceptions, or empty when the expected version is stale. */
    public static java.util.Optional<AccountExceptions> apply(AccountExceptions stored, SettingsCommand command,
                                                              UpdateExceptions update, Instant now) {
        AccountExceptions current = stored == null ? defaults(command.getAccountId()) : stored;
        if (update.getExpectedVersion() != null && update.getExpectedVersion() != current.getVersion()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(AccountExceptions.newBuilder(current).setVersion(current.getVersion() + 1)
                .setDomains(update.getDomains()).setIpRanges(update.getIpRanges())
                .setUpdatedBy(command.getActor().getSubject()).setUpdatedAt(now).build());
    }

    public static long currentVersion(AccountExceptions stored) {
        return stored == null ? 0 : stored.getVersion();
    }

    public static AuditEvent audit(SettingsCommand command, AccountExceptions before, AccountExceptions after, Instant now) {
        return AuditEvent.newBuilder().setEventId(UUID.randomUUID()).setOccurredAt(now)
                .setAccountId(command.getAccountId()).setActor(command.getActor()).setAction("exceptions.update")
                .setResourceType("exceptions").setResourceId(command.getAccountId().toString())
                .setBefore(describe(before == null ? defaults(command.getAccountId()) : before)).setAfter(describe(after))
                .setOutcome(Outcome.SUCCESS).setSourceAddress(command.getSourceAddress()).build();
    }

    private static String describe(AccountExceptions exceptions) {
        return "{\"version\":" + exceptions.getVersion() + ",\"domains\":" + json(exceptions.getDomains())
                + ",\"ipRanges\":" + json(exceptions.getIpRanges()) + "}";
    }

    private static String json(List<String> values) {
        return values.stream().map(v -> "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"")
                .collect(java.util.stream.Collectors.joining(",", "[", "]"));
    }
}
