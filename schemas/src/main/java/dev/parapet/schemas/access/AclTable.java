package dev.parapet.schemas.access;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * ACL bindings as people read them: one line per principal and resource with its operations, as a
 * Markdown table (docs/operations.md) or as {@code kafka-acls.sh} commands.
 */
public final class AclTable {

    /** One principal's operations on one resource (a topic, a group, a transactional id; literal or prefixed). */
    public record Row(String principal, ResourcePattern resource, List<AclOperation> operations) {
    }

    private AclTable() {
    }

    public static List<Row> rows(List<AclBinding> bindings) {
        Map<String, Map<ResourcePattern, List<AclOperation>>> grouped = new LinkedHashMap<>();
        for (AclBinding binding : bindings) {
            grouped.computeIfAbsent(binding.entry().principal(), principal -> new LinkedHashMap<>())
                    .computeIfAbsent(binding.pattern(), pattern -> new ArrayList<>())
                    .add(binding.entry().operation());
        }
        List<Row> rows = new ArrayList<>();
        grouped.forEach((principal, resources) -> resources.forEach((resource, operations) ->
                rows.add(new Row(principal, resource, operations.stream().sorted().toList()))));
        return rows;
    }

    public static String markdown(List<AclBinding> bindings) {
        StringBuilder table = new StringBuilder("| principal | resource | name | operations |\n|---|---|---|---|\n");
        for (Row row : rows(bindings)) {
            table.append("| `").append(row.principal()).append("` | ").append(resourceType(row.resource().resourceType()))
                    .append(" | `").append(row.resource().name()).append("`")
                    .append(row.resource().patternType() == PatternType.PREFIXED ? "* (prefix)" : "")
                    .append(" | ").append(row.operations().stream().map(AclTable::operation).collect(Collectors.joining(", ")))
                    .append(" |\n");
        }
        return table.toString();
    }

    /** {@code kafka-acls.sh} commands that add the bindings; {@code $BOOTSTRAP} and {@code $ADMIN_CONFIG} left for the shell. */
    public static String kafkaAclsCommands(List<AclBinding> bindings) {
        StringBuilder commands = new StringBuilder();
        for (Row row : rows(bindings)) {
            commands.append("kafka-acls.sh --bootstrap-server \"$BOOTSTRAP\" --command-config \"$ADMIN_CONFIG\" --add")
                    .append(" --allow-principal ").append(row.principal());
            row.operations().forEach(operation -> commands.append(" --operation ").append(operation(operation)));
            commands.append(switch (row.resource().resourceType()) {
                case TOPIC -> " --topic ";
                case GROUP -> " --group ";
                case TRANSACTIONAL_ID -> " --transactional-id ";
                case CLUSTER -> " --cluster";
                default -> throw new IllegalArgumentException("No kafka-acls.sh option for " + row.resource());
            });
            if (row.resource().resourceType() != ResourceType.CLUSTER) {
                commands.append(row.resource().name());
            }
            if (row.resource().patternType() == PatternType.PREFIXED) {
                commands.append(" --resource-pattern-type prefixed");
            }
            commands.append('\n');
        }
        return commands.toString();
    }

    private static String resourceType(ResourceType type) {
        return switch (type) {
            case TOPIC -> "topic";
            case GROUP -> "group";
            case TRANSACTIONAL_ID -> "transactional id";
            case CLUSTER -> "cluster";
            default -> type.name().toLowerCase(Locale.ROOT);
        };
    }

    /** As kafka-acls.sh spells it: {@code Write}, {@code DescribeConfigs}. */
    static String operation(AclOperation operation) {
        return java.util.Arrays.stream(operation.name().toLowerCase(Locale.ROOT).split("_"))
                .map(word -> Character.toUpperCase(word.charAt(0)) + word.substring(1))
                .collect(Collectors.joining());
    }
}
