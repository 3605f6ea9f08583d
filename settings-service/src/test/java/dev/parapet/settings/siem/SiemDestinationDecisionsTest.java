package dev.parapet.settings.siem;

import static dev.parapet.settings.commands.InMemoryStores.command;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.settings.DeleteSiemDestination;
import dev.parapet.schemas.v1.settings.SetSiemDestination;
import dev.parapet.schemas.v1.settings.SettingsRejection;
import dev.parapet.schemas.v1.siem.SiemDestination;
import dev.parapet.schemas.v1.siem.SiemFormat;
import dev.parapet.settings.commands.Decision;

/** An account's SIEM destination, decided from the stored one alone. */
class SiemDestinationDecisionsTest {

    private static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");
    private static final Instant CREATED = Instant.parse("2026-11-01T09:00:00Z");

    private final UUID account = UUID.randomUUID();

    private static SiemDestination destination(long version, String host) {
        return SiemDestination.newBuilder().setAccountId(UUID.randomUUID()).setHost(host).setPort(6514).setCaCertificates("pem")
                .setFormat(SiemFormat.CEF).setCreatedAt(CREATED).setVersion(version).setUpdatedBy("someone").setUpdatedAt(Instant.EPOCH)
                .build();
    }

    private Decision set(SiemDestination stored, Long expected, SiemDestination wanted) {
        SetSiemDestination set = new SetSiemDestination(expected, wanted);
        return SiemDestinationDecisions.set(stored, command(account, set), set, NOW);
    }

    @Test
    void aSetDestinationBelongsToTheCommandsAccountKeyedByItWithTheNextVersion() {
        Decision created = set(null, null, destination(7, "siem.example.com"));

        assertThat(created.result().getAccepted()).isTrue();
        assertThat(created.outputs()).extracting(Decision.Output::topic).containsExactly(Topics.SIEM_DESTINATIONS.name(), Topics.AUDIT.name());
        assertThat(created.outputs().get(0).key()).isEqualTo(account.toString());
        SiemDestination stored = (SiemDestination) created.outputs().get(0).value();
        assertThat(stored.getAccountId()).as("whatever the body said").isEqualTo(account);
        assertThat(stored.getVersion()).as("not the body's: the creation's milliseconds").isEqualTo(NOW.toEpochMilli());
        assertThat(stored.getCreatedAt()).isEqualTo(NOW);
        assertThat(stored.getUpdatedAt()).isEqualTo(NOW);
        assertThat(stored.getHost()).isEqualTo("siem.example.com");
        assertThat(((AuditEvent) created.outputs().get(1).value()).getAction()).isEqualTo("siem-destination.create");

        Decision replaced = set(stored, NOW.toEpochMilli(), destination(0, "other.example.com"));
        assertThat(((SiemDestination) replaced.outputs().get(0).value()).getVersion()).isEqualTo(NOW.toEpochMilli() + 1);
        assertThat(((SiemDestination) replaced.outputs().get(0).value()).getCreatedAt()).as("kept").isEqualTo(NOW);
        assertThat(((AuditEvent) replaced.outputs().get(1).value()).getAction()).isEqualTo("siem-destination.update");
        assertThat(((AuditEvent) replaced.outputs().get(1).value()).getBefore()).contains("siem.example.com");
    }

    @Test
    void anExpectedVersionMustBeTheCurrentOne() {
        Decision stale = set(destination(3, "siem.example.com"), 2L, destination(0, "other.example.com"));
        assertThat(stale.result().getRejection()).isEqualTo(SettingsRejection.VERSION_MISMATCH);
        assertThat(stale.result().getVersion()).isEqualTo(3);
        assertThat(stale.outputs()).isEmpty();
        assertThat(set(null, 1L, destination(0, "siem.example.com")).result().getRejection())
                .as("If-Match on a destination not set").isEqualTo(SettingsRejection.VERSION_MISMATCH);
    }

    @Test
    void aDeleteWritesATombstoneUnderTheAccountAndNeedsADestination() {
        DeleteSiemDestination delete = new DeleteSiemDestination(null);
        Decision deleted = SiemDestinationDecisions.delete(destination(4, "siem.example.com"), command(account, delete), delete, NOW);
        assertThat(deleted.result().getAccepted()).isTrue();
        assertThat(deleted.outputs().get(0).key()).isEqualTo(account.toString());
        assertThat(deleted.outputs().get(0).value()).as("a tombstone").isNull();
        assertThat(((AuditEvent) deleted.outputs().get(1).value()).getAction()).isEqualTo("siem-destination.delete");

        assertThat(SiemDestinationDecisions.delete(null, command(account, delete), delete, NOW).result().getRejection())
                .isEqualTo(SettingsRejection.NOT_FOUND);
        DeleteSiemDestination stale = new DeleteSiemDestination(3L);
        assertThat(SiemDestinationDecisions.delete(destination(4, "siem.example.com"), command(account, stale), stale, NOW).result()
                .getRejection()).isEqualTo(SettingsRejection.VERSION_MISMATCH);
    }
}
