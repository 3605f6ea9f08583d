package dev.parapet.settings.exceptions;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.parapet.kit.audit.AuditJson;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.exceptions.AccountExceptions;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.SettingsRejection;
import dev.parapet.schemas.v1.settings.UpdateExceptions;
import dev.parapet.settings.commands.Decision;
import dev.parapet.settings.commands.Feature;
import dev.parapet.settings.commands.SettingsCommandTopology;
import tools.jackson.databind.node.ObjectNode;

/** An account's exceptions as a pure function of the current ones and one update. */
public final class ExceptionDecisions {

    /** The internal top-level domains every new account starts with (PRODUCT.md). */
    public static final List<String> DEFAULT_DOMAINS =
            List.of("local", "internal", "lan", "home", "corp", "localdomain", "domain", "mail");

    /** An account's exceptions: the account's writer, one record per account. */
    public static final Feature FEATURE = Feature.of("exceptions", Feature.Writer.ACCOUNT)
            .store(SettingsCommandTopology.EXCEPTIONS_STORE, Topics.EXCEPTIONS)
            .command(UpdateExceptions.class, (command, update, stores, now, rules) -> decide(
                    stores.get(SettingsCommandTopology.EXCEPTIONS_STORE, command.getAccountId().toString()), command, update, now))
            .build();

    private ExceptionDecisions() {
    }

    public static AccountExceptions defaults(UUID accountId) {
        return AccountExceptions.newBuilder().setAccountId(accountId).setVersion(0).setDomains(DEFAULT_DOMAINS)
                .setIpRanges(List.of()).setUpdatedBy("defaults").setUpdatedAt(Instant.EPOCH).build();
    }

    public static Decision decide(AccountExceptions stored, SettingsCommand command, UpdateExceptions update, Instant now) {
        AccountExceptions current = stored == null ? defaults(command.getAccountId()) : stored;
        if (update.getExpectedVersion() != null && update.getExpectedVersion() != current.getVersion()) {
            return Decision.refused(command, SettingsRejection.VERSION_MISMATCH, current.getVersion(), null);
        }
        AccountExceptions next = AccountExceptions.newBuilder(current).setVersion(current.getVersion() + 1)
                .setDomains(update.getDomains()).setIpRanges(update.getIpRanges())
                .setUpdatedBy(dev.parapet.kit.audit.Actors.name(command.getActor())).setUpdatedAt(now).build();
        String account = command.getAccountId().toString();
        return Decision.accepted(command, Topics.EXCEPTIONS.name(), account, next, next.getVersion(),
                Decision.audit(command, "exceptions.update", "exceptions", account, describe(current), describe(next), now));
    }

    private static String describe(AccountExceptions exceptions) {
        ObjectNode described = AuditJson.object().put("version", exceptions.getVersion());
        described.set("domains", AuditJson.tree(exceptions.getDomains()));
        described.set("ipRanges", AuditJson.tree(exceptions.getIpRanges()));
        return AuditJson.write(described);
    }
}
