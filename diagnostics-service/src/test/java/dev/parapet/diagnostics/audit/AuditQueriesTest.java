package dev.parapet.diagnostics.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;

class AuditQueriesTest {

    static final UUID ACCOUNT = UUID.fromString("0b8f8c1e-2a7c-4e0c-9a55-6f1f7f0e2d11");
    static final Instant T = Instant.parse("2026-12-01T09:00:00Z");

    static AuditEntry entry(int minutes, String actor, String action, String resourceId, String after) {
        return entry(minutes, actor, null, action, resourceId, after);
    }

    static AuditEntry entry(int minutes, String actor, String email, String action, String resourceId, String after) {
        return new AuditEntry(UUID.randomUUID().toString(), T.plusSeconds(60L * minutes), ACCOUNT.toString(), actor, "FULL_ADMIN", "ADMIN",
                action, action.substring(0, action.indexOf('.')), resourceId, null, after, "SUCCESS", null, email);
    }

    /** The store's order: by key, which puts an account's newest event first. */
    static List<KeyValue<String, AuditEntry>> stored(AuditEntry... entries) {
        Map<String, AuditEntry> byKey = new TreeMap<>();
        for (AuditEntry entry : entries) {
            byKey.put(AuditKeys.key(ACCOUNT, entry.occurredAt(), UUID.fromString(entry.eventId())), entry);
        }
        return byKey.entrySet().stream().map(e -> KeyValue.pair(e.getKey(), e.getValue())).toList();
    }

    final AuditEntry created = entry(0, "ann", "policy.create", "p-1", "{\"name\":\"Blocked sites\"}");
    final AuditEntry revealed = entry(5, "bob", "key.reveal", "k-1", null);
    final AuditEntry updated = entry(10, "ann", "policy.update", "p-1", "{\"name\":\"Casinos\"}");
    final List<KeyValue<String, AuditEntry>> log = stored(created, updated, revealed);

    static AuditQueries.Filter none() {
        return new AuditQueries.Filter(null, null, null, null, null, null);
    }

    static List<String> actions(AuditQueries.AuditPage page) {
        return page.events().stream().map(AuditEntry::action).toList();
    }

    @Test
    void keysSortAnAccountsEventsNewestFirstAndKeepItsPrefix() {
        assertThat(log).extracting(kv -> kv.value.action()).containsExactly("policy.update", "key.reveal", "policy.create");
        assertThat(log).allSatisfy(kv -> assertThat(kv.key).startsWith(AuditKeys.prefix(ACCOUNT)));
        assertThat(AuditKeys.key(ACCOUNT, Instant.EPOCH, UUID.randomUUID())).hasSize(AuditKeys.prefix(ACCOUNT).length() + 19 + 1 + 36);
    }

    @Test
    void pagesCountEveryMatchAndShowTheirShare() {
        AuditQueries.AuditPage first = AuditQueries.page(log.iterator(), none(), 0, 2);
        assertThat(first.matching()).isEqualTo(3);
        assertThat(actions(first)).containsExactly("policy.update", "key.reveal");
        assertThat(actions(AuditQueries.page(log.iterator(), none(), 1, 2))).containsExactly("policy.create");
        assertThat(actions(AuditQueries.page(log.iterator(), none(), 5, 2))).isEmpty();
    }

    @Test
    void filtersByActionPrefixActorResourceTypeTextAndTime() {
        assertThat(actions(AuditQueries.page(log.iterator(), new AuditQueries.Filter(null, null, "policy.", null, null, null), 0, 50)))
                .containsExactly("policy.update", "policy.create");
        assertThat(actions(AuditQueries.page(log.iterator(), new AuditQueries.Filter(null, null, null, "bob", null, null), 0, 50)))
                .containsExactly("key.reveal");
        assertThat(actions(AuditQueries.page(log.iterator(), new AuditQueries.Filter(null, null, null, null, "key", null), 0, 50)))
                .containsExactly("key.reveal");
        assertThat(actions(AuditQueries.page(log.iterator(), new AuditQueries.Filter(null, null, null, null, null, "casinos"), 0, 50)))
                .containsExactly("policy.update");
        assertThat(actions(AuditQueries.page(log.iterator(), new AuditQueries.Filter(T.plusSeconds(60), T.plusSeconds(600), null, null,
                null, null), 0, 50))).as("from inclusive, to exclusive").containsExactly("key.reveal");
    }

    @Test
    void anAdministratorIsFoundByTheirSubjectOrByTheEmailAddressTheirTokenNamed() {
        AuditEntry keycloak = entry(1, "59f47290-4231-4f5b-ba5a-e505690e8222", "Ann@Example.com", "policy.create", "p1", null);
        AuditEntry automation = entry(2, "service-account-parapet-automation", null, "policy.update", "p1", null);
        List<KeyValue<String, AuditEntry>> all = stored(keycloak, automation);
        AuditQueries.Filter byEmail = new AuditQueries.Filter(null, null, null, "ann@example.com", null, null);
        assertThat(all.stream().map(kv -> kv.value).filter(byEmail.predicate()).toList()).containsExactly(keycloak);
        AuditQueries.Filter bySubject = new AuditQueries.Filter(null, null, null, "59f47290-4231-4f5b-ba5a-e505690e8222", null, null);
        assertThat(all.stream().map(kv -> kv.value).filter(bySubject.predicate()).toList()).containsExactly(keycloak);
        AuditQueries.Filter nobody = new AuditQueries.Filter(null, null, null, "null", null, null);
        assertThat(all.stream().map(kv -> kv.value).filter(nobody.predicate()).toList()).isEmpty();
    }
}
