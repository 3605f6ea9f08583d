package dev.parapet.settings.groups;

import static dev.parapet.settings.commands.InMemoryStores.command;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.groups.ProfileGroup;
import dev.parapet.schemas.v1.settings.DeleteProfileGroup;
import dev.parapet.schemas.v1.settings.SettingsRejection;
import dev.parapet.schemas.v1.settings.UpsertProfileGroup;
import dev.parapet.settings.commands.Decision;
import dev.parapet.settings.quotas.Quotas;

/** Profile groups, decided from the stored group (and, for a creation, the account's count) alone. */
class GroupDecisionsTest {

    private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");
    private static final Quotas TWO_GROUPS = new Quotas(3, 10, 2, 500, 256, 1000, 2, 10_000);

    private final UUID account = UUID.randomUUID();
    private final UUID groupId = UUID.randomUUID();

    private ProfileGroup group(long version, String name) {
        return ProfileGroup.newBuilder().setAccountId(UUID.randomUUID()).setGroupId(groupId).setName(name).setVersion(version)
                .setUpdatedBy("a").setUpdatedAt(Instant.EPOCH).build();
    }

    private Decision upsert(ProfileGroup stored, int groups, boolean create, Long expected, ProfileGroup wanted) {
        UpsertProfileGroup upsert = new UpsertProfileGroup(create, expected, wanted);
        return GroupDecisions.upsert(stored, groups, TWO_GROUPS, command(account, upsert), upsert, NOW);
    }

    @Test
    void aCreatedGroupBelongsToTheCommandsAccountAtVersionOne() {
        Decision created = upsert(null, 0, true, null, group(0, "Finance"));

        assertThat(created.result().getAccepted()).isTrue();
        assertThat(created.outputs()).extracting(Decision.Output::topic).containsExactly(Topics.PROFILE_GROUPS.name(), Topics.AUDIT.name());
        assertThat(created.outputs().get(0).key()).isEqualTo(account + "/" + groupId);
        ProfileGroup next = (ProfileGroup) created.outputs().get(0).value();
        assertThat(next.getAccountId()).as("whatever the body said").isEqualTo(account);
        assertThat(next.getVersion()).isEqualTo(1);
        assertThat(((AuditEvent) created.outputs().get(1).value()).getAction()).isEqualTo("profile-group.create");
    }

    @Test
    void createNeedsItAbsentReplaceNeedsItPresentAndAnExpectedVersionMustBeCurrent() {
        ProfileGroup stored = group(2, "Finance");
        assertThat(upsert(stored, 1, true, null, group(0, "Finance")).result().getRejection()).isEqualTo(SettingsRejection.ALREADY_EXISTS);
        assertThat(upsert(null, 0, false, null, group(0, "Finance")).result().getRejection()).isEqualTo(SettingsRejection.NOT_FOUND);
        Decision stale = upsert(stored, 1, false, 1L, group(0, "Accounts"));
        assertThat(stale.result().getRejection()).isEqualTo(SettingsRejection.VERSION_MISMATCH);
        assertThat(stale.result().getVersion()).isEqualTo(2);
        assertThat(stale.outputs()).isEmpty();

        Decision replaced = upsert(stored, 1, false, 2L, group(0, "Accounts"));
        assertThat(((ProfileGroup) replaced.outputs().get(0).value()).getVersion()).isEqualTo(3);
        assertThat(((AuditEvent) replaced.outputs().get(1).value()).getAction()).isEqualTo("profile-group.update");
    }

    @Test
    void aCreationBeyondTheQuotaIsRefusedWithTheQuotaButAReplacementIsNot() {
        Decision refused = upsert(null, 2, true, null, group(0, "Third"));
        assertThat(refused.result().getRejection()).isEqualTo(SettingsRejection.QUOTA_EXCEEDED);
        assertThat(refused.result().getQuota().getQuota()).isEqualTo("profile-groups-per-account");
        assertThat(refused.result().getQuota().getLimit()).isEqualTo(2);
        assertThat(refused.result().getQuota().getCurrent()).isEqualTo(2);

        assertThat(upsert(group(1, "Old"), 2, false, null, group(0, "New")).result().getAccepted()).isTrue();
    }

    @Test
    void aDeletionPublishesATombstoneAtTheCurrentVersion() {
        DeleteProfileGroup delete = new DeleteProfileGroup(groupId, null);
        Decision deleted = GroupDecisions.delete(group(4, "Finance"), command(account, delete), delete, NOW);
        assertThat(deleted.result().getAccepted()).isTrue();
        assertThat(deleted.result().getVersion()).isEqualTo(4);
        assertThat(deleted.outputs().get(0).key()).isEqualTo(account + "/" + groupId);
        assertThat(deleted.outputs().get(0).value()).isNull();
        assertThat(((AuditEvent) deleted.outputs().get(1).value()).getAfter()).isNull();

        assertThat(GroupDecisions.delete(null, command(account, delete), delete, NOW).result().getRejection())
                .isEqualTo(SettingsRejection.NOT_FOUND);
    }
}
