package dev.parapet.settings.exceptions;

import static dev.parapet.settings.commands.InMemoryStores.command;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.exceptions.AccountExceptions;
import dev.parapet.schemas.v1.settings.SettingsRejection;
import dev.parapet.schemas.v1.settings.UpdateExceptions;
import dev.parapet.settings.commands.Decision;

/** An account's exceptions, decided from the stored ones alone: a whole replacement, versioned. */
class ExceptionDecisionsTest {

    private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");

    private final UUID account = UUID.randomUUID();

    private Decision update(AccountExceptions stored, UpdateExceptions update) {
        return ExceptionDecisions.decide(stored, command(account, update), update, NOW);
    }

    @Test
    void anAccountNobodyChangedHasTheInternalDomainsAtVersionZero() {
        AccountExceptions defaults = ExceptionDecisions.defaults(account);
        assertThat(defaults.getVersion()).isZero();
        assertThat(defaults.getDomains()).containsExactlyElementsOf(ExceptionDecisions.DEFAULT_DOMAINS).contains("local", "corp");
        assertThat(defaults.getIpRanges()).isEmpty();
    }

    @Test
    void anUpdateReplacesBothListsAndAuditsBeforeAndAfter() {
        Decision decision = update(null, new UpdateExceptions(null, List.of("intranet.example"), List.of("10.0.0.0/8")));

        assertThat(decision.result().getAccepted()).isTrue();
        assertThat(decision.result().getVersion()).isEqualTo(1);
        assertThat(decision.outputs()).extracting(Decision.Output::topic).containsExactly(Topics.EXCEPTIONS.name(), Topics.AUDIT.name());
        assertThat(decision.outputs().get(0).key()).isEqualTo(account.toString());
        AccountExceptions next = (AccountExceptions) decision.outputs().get(0).value();
        assertThat(next.getDomains()).containsExactly("intranet.example");
        assertThat(next.getIpRanges()).containsExactly("10.0.0.0/8");
        assertThat(next.getUpdatedAt()).isEqualTo(NOW);
        AuditEvent audit = (AuditEvent) decision.outputs().get(1).value();
        assertThat(audit.getAction()).isEqualTo("exceptions.update");
        assertThat(audit.getBefore()).contains("\"localdomain\"").contains("\"version\":0");
        assertThat(audit.getAfter()).contains("intranet.example").contains("10.0.0.0/8").doesNotContain("localdomain");
    }

    @Test
    void anUpdateNamingAnOlderVersionIsRefusedWithTheCurrentOne() {
        AccountExceptions stored = AccountExceptions.newBuilder(ExceptionDecisions.defaults(account)).setVersion(5).build();

        Decision stale = update(stored, new UpdateExceptions(4L, List.of(), List.of()));
        assertThat(stale.result().getAccepted()).isFalse();
        assertThat(stale.result().getRejection()).isEqualTo(SettingsRejection.VERSION_MISMATCH);
        assertThat(stale.result().getVersion()).isEqualTo(5);
        assertThat(stale.outputs()).isEmpty();

        Decision emptied = update(stored, new UpdateExceptions(5L, List.of(), List.of()));
        assertThat(emptied.result().getVersion()).isEqualTo(6);
        assertThat(((AccountExceptions) emptied.outputs().get(0).value()).getDomains()).as("an empty list is a choice").isEmpty();
    }
}
