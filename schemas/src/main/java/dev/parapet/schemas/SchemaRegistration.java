package dev.parapet.schemas;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.Protocol;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * Every schema a Parapet service may write, by the subject it writes it under
 * ({@link CatalogueSubjectStrategy}): {@code <topic>-value} for each topic of the catalogue, and each
 * record type of the schemas' protocols under its full name (for Kafka Streams' own topics and dead
 * letters). Registered once per deployment by {@link SchemaRegistrationTool}, so that production services
 * need no right to write to the registry. Pure: no registry.
 */
public final class SchemaRegistration {

    /** The protocols of {@code src/main/avro}, one per file (a test keeps this list equal to the files). */
    static final List<Protocol> PROTOCOLS = List.of(
            dev.parapet.schemas.v1.access.Access.PROTOCOL,
            dev.parapet.schemas.v1.accounts.Accounts.PROTOCOL,
            dev.parapet.schemas.v1.agents.Agents.PROTOCOL,
            dev.parapet.schemas.v1.audit.Audit.PROTOCOL,
            dev.parapet.schemas.v1.categories.Categories.PROTOCOL,
            dev.parapet.schemas.v1.common.Common.PROTOCOL,
            dev.parapet.schemas.v1.exceptions.Exceptions.PROTOCOL,
            dev.parapet.schemas.v1.groups.Groups.PROTOCOL,
            dev.parapet.schemas.v1.keys.Keys.PROTOCOL,
            dev.parapet.schemas.v1.locations.Locations.PROTOCOL,
            dev.parapet.schemas.v1.policies.Policies.PROTOCOL,
            dev.parapet.schemas.v1.resolvers.Resolvers.PROTOCOL,
            dev.parapet.schemas.v1.settings.Settings.PROTOCOL,
            dev.parapet.schemas.v1.siem.Siem.PROTOCOL,
            dev.parapet.schemas.v1.telemetry.Telemetry.PROTOCOL,
            dev.parapet.schemas.v1.tunnels.Tunnels.PROTOCOL,
            dev.parapet.schemas.v1.verdicts.Verdicts.PROTOCOL);

    private SchemaRegistration() {
    }

    /** Subject to schema, the catalogue's topics first; each schema exactly as a serializer sends it. */
    public static Map<String, Schema> subjects() {
        Map<String, Schema> subjects = new LinkedHashMap<>();
        for (Topic<? extends SpecificRecord> topic : Topics.all()) {
            subjects.put(CatalogueSubjectStrategy.subject(topic.name(), false, null), topic.valueSchema());
        }
        for (Protocol protocol : PROTOCOLS) {
            for (Schema type : protocol.getTypes()) {
                if (type.getType() == Schema.Type.RECORD) {
                    Schema generated = specific(type);
                    subjects.putIfAbsent(generated.getFullName(), generated);
                }
            }
        }
        return subjects;
    }

    /** The schema of the generated class (what a serializer sends), not the protocol's copy of it. */
    private static Schema specific(Schema type) {
        try {
            Class<?> generated = Class.forName(type.getFullName());
            return org.apache.avro.specific.SpecificData.get().getSchema(generated);
        } catch (ClassNotFoundException e) {
            return type;
        }
    }
}
