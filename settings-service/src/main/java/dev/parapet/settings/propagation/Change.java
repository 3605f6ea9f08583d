package dev.parapet.settings.propagation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * One administrator's change as the writer published it: the records one command wrote (its id is
 * the change's id), where each sits, and the versions of what agents are sent (agent settings,
 * exceptions), if it changed those.
 *
 * @param changeId  the command's id
 * @param accountId the account whose change it is
 * @param writtenAt when the command was sent (the records' timestamp)
 * @param records   the records it wrote on followed topics
 * @param versions  topic to the version the record there carries, for the topics agents are sent
 */
public record Change(UUID changeId, UUID accountId, Instant writtenAt, List<RecordPosition> records, Map<String, Long> versions) {

    public Change {
        records = List.copyOf(records);
        versions = Map.copyOf(versions);
    }

    /** The same change with one more record (and, for a topic agents are sent, its version). */
    Change with(RecordPosition record, OptionalLong version) {
        List<RecordPosition> more = new ArrayList<>(records);
        more.add(record);
        Map<String, Long> withVersion = new HashMap<>(versions);
        version.ifPresent(v -> withVersion.merge(record.topic(), v, Math::max));
        return new Change(changeId, accountId, writtenAt, more, withVersion);
    }

    /** The version of the record this change wrote on the topic, if it wrote one there that carries a version agents see. */
    public OptionalLong version(String topic) {
        Long version = versions.get(topic);
        return version == null ? OptionalLong.empty() : OptionalLong.of(version);
    }
}
