package dev.parapet.schemas.access;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import dev.parapet.schemas.Topic;
import dev.parapet.schemas.Topics;

/**
 * Who may do what on Parapet's Kafka cluster, computed from the topic catalogue: each service writes
 * the topics it produces, reads those it consumes (and writes their dead-letter topics, where a consumer
 * sets aside what it cannot read), and owns its Kafka Streams application's group, internal topics and
 * transactional ids. Nothing else is allowed: the brokers run with {@code allow.everyone.if.no.acl.found=false},
 * and only the brokers and the operator are super users.
 *
 * <p>Services create no topics in production ({@code parapet.kafka.create-topics=false}): the operator's
 * {@link KafkaAccessTool} creates them, so no service may create, reconfigure or delete a catalogue topic.
 */
public final class KafkaAccess {

    /**
     * A service's Kafka principal (SCRAM user name) and the Kafka Streams applications it runs.
     *
     * @param name                  the service's name, its SCRAM user name and its {@code spring.application.name}
     * @param streamsApplicationIds the {@code application.id} of each Kafka Streams application it runs
     * @param consumerGroups        the groups of its plain consumers (which share a topic's partitions between instances)
     * @param consumerGroupPrefixes the beginnings of the names of groups it makes at run time (one per account, say),
     *                              granted as prefixed ACLs because their full names are not known in advance
     */
    public record Service(String name, List<String> streamsApplicationIds, List<String> consumerGroups, List<String> consumerGroupPrefixes) {

        public Service {
            streamsApplicationIds = List.copyOf(streamsApplicationIds);
            consumerGroups = List.copyOf(consumerGroups);
            consumerGroupPrefixes = List.copyOf(consumerGroupPrefixes);
        }

        public Service(String name, List<String> streamsApplicationIds) {
            this(name, streamsApplicationIds, List.of(), List.of());
        }

        public String principal() {
            return "User:" + name;
        }

        /** The {@code application.id} of the service's only Kafka Streams application. */
        public String streamsApplicationId() {
            if (streamsApplicationIds.size() != 1) {
                throw new IllegalStateException(name + " runs " + streamsApplicationIds.size() + " Kafka Streams applications");
            }
            return streamsApplicationIds.get(0);
        }
    }

    public static final Service KEY_SERVICE = new Service("key-service", List.of("key-service-commands"));
    public static final Service SETTINGS_SERVICE = new Service("settings-service", List.of("settings-service-commands"));
    public static final Service DNS_SERVICE = new Service("dns-service", List.of());
    /** The group of diagnostics-service's query log writers (which read the verdicts into files). */
    public static final String QUERY_LOG_GROUP = "diagnostics-service-query-log";
    /**
     * The beginning of the groups of diagnostics-service's SIEM exports: one group per destination,
     * {@code diagnostics-service-siem-<account id>}, so that a slow receiver lags only its own group.
     */
    public static final String SIEM_GROUP_PREFIX = "diagnostics-service-siem-";
    public static final Service DIAGNOSTICS_SERVICE = new Service("diagnostics-service", List.of("diagnostics-service-aggregates"),
            List.of(QUERY_LOG_GROUP), List.of(SIEM_GROUP_PREFIX));

    public static final List<Service> SERVICES = List.of(KEY_SERVICE, SETTINGS_SERVICE, DNS_SERVICE, DIAGNOSTICS_SERVICE);

    /** The schema registry's principal: Apicurio Registry's {@code kafkasql} storage. */
    public static final String REGISTRY = "registry";
    /** Every topic of the registry begins so ({@code parapet.registry-journal.v1}, {@code -snapshots}, {@code -events}). */
    public static final String REGISTRY_TOPIC_PREFIX = "parapet.registry-";
    /**
     * Apicurio's {@code apicurio.kafkasql.consumer.group-prefix} (its default): each registry start joins a
     * group of its own, {@code apicurio-<uuid>}, to replay the whole journal.
     */
    public static final String REGISTRY_GROUP_PREFIX = "apicurio-";

    /** The operator's principal: a super user, who creates the topics and these ACLs. */
    public static final String ADMIN = "admin";
    /** The brokers' and controllers' own principal: a super user. */
    public static final String BROKER = "broker";

    /** Readers of a topic outside Parapet, named in the catalogue, whose access an operator grants by hand. */
    static final Set<String> OUTSIDE_READERS = Set.of("archival");

    private static final String EVERY_SERVICE = "every service";

    private KafkaAccess() {
    }

    /** The {@code super.users} of every broker and controller. */
    public static String superUsers() {
        return "User:" + BROKER + ";User:" + ADMIN;
    }

    /** Every binding of every Parapet principal, services first, then the registry. */
    public static List<AclBinding> all() {
        List<AclBinding> all = new ArrayList<>();
        SERVICES.forEach(service -> all.addAll(bindings(service)));
        all.addAll(registryBindings());
        return List.copyOf(all);
    }

    /** The principals that {@link #all()} grants to, each with its bindings. */
    public static Map<String, List<AclBinding>> byPrincipal() {
        Map<String, List<AclBinding>> byPrincipal = new LinkedHashMap<>();
        for (AclBinding binding : all()) {
            byPrincipal.computeIfAbsent(binding.entry().principal(), principal -> new ArrayList<>()).add(binding);
        }
        return byPrincipal;
    }

    /** What one service may do. */
    public static List<AclBinding> bindings(Service service) {
        Set<AclBinding> bindings = new LinkedHashSet<>();
        String principal = service.principal();
        for (Topic<?> topic : Topics.all()) {
            if (producersOf(topic).contains(service)) {
                add(bindings, principal, ResourceType.TOPIC, topic.name(), PatternType.LITERAL,
                        AclOperation.WRITE, AclOperation.DESCRIBE);
            }
            if (consumersOf(topic).contains(service)) {
                add(bindings, principal, ResourceType.TOPIC, topic.name(), PatternType.LITERAL,
                        AclOperation.READ, AclOperation.DESCRIBE);
                // A consumer sets aside what it cannot read or process (docs/topics.md).
                add(bindings, principal, ResourceType.TOPIC, topic.deadLetterTopic(), PatternType.LITERAL,
                        AclOperation.WRITE, AclOperation.DESCRIBE);
            }
        }
        for (String group : service.consumerGroups()) {
            add(bindings, principal, ResourceType.GROUP, group, PatternType.LITERAL, AclOperation.READ, AclOperation.DESCRIBE);
        }
        for (String prefix : service.consumerGroupPrefixes()) {
            add(bindings, principal, ResourceType.GROUP, prefix, PatternType.PREFIXED, AclOperation.READ, AclOperation.DESCRIBE);
        }
        for (String applicationId : service.streamsApplicationIds()) {
            // Kafka Streams' own needs (its security guide): the group named by application.id; the
            // internal topics (changelogs, repartitions: <application.id>-...), which it creates, checks,
            // reads, writes and purges; and exactly-once's transactional ids (<application.id>-<process>-<thread>).
            add(bindings, principal, ResourceType.GROUP, applicationId, PatternType.LITERAL, AclOperation.READ, AclOperation.DESCRIBE);
            add(bindings, principal, ResourceType.TOPIC, applicationId + "-", PatternType.PREFIXED,
                    AclOperation.CREATE, AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE,
                    AclOperation.DESCRIBE_CONFIGS, AclOperation.DELETE);
            add(bindings, principal, ResourceType.TRANSACTIONAL_ID, applicationId + "-", PatternType.PREFIXED,
                    AclOperation.WRITE, AclOperation.DESCRIBE);
        }
        return List.copyOf(bindings);
    }

    /**
     * What the schema registry may do: its own topics (it creates them and checks their settings at
     * start) and its consumer groups, nothing of the services' topics.
     */
    public static List<AclBinding> registryBindings() {
        Set<AclBinding> bindings = new LinkedHashSet<>();
        String principal = "User:" + REGISTRY;
        add(bindings, principal, ResourceType.TOPIC, REGISTRY_TOPIC_PREFIX, PatternType.PREFIXED,
                AclOperation.CREATE, AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS);
        add(bindings, principal, ResourceType.GROUP, REGISTRY_GROUP_PREFIX, PatternType.PREFIXED,
                AclOperation.READ, AclOperation.DESCRIBE);
        return List.copyOf(bindings);
    }

    /** The services the catalogue names as a topic's producers. */
    public static Set<Service> producersOf(Topic<?> topic) {
        return services(topic.name(), topic.producers());
    }

    /** The services the catalogue names as a topic's consumers (readers outside Parapet left out). */
    public static Set<Service> consumersOf(Topic<?> topic) {
        return services(topic.name(), topic.consumers());
    }

    /**
     * Reads the catalogue's {@code producers}/{@code consumers} text: service names separated by commas,
     * each perhaps followed by a remark in parentheses ({@code key-service (API)}), or {@code every service}.
     * A name that is neither a service nor a known outside reader is an error, so that a typo in the
     * catalogue cannot silently deny (or grant) access.
     */
    static Set<Service> services(String topic, String names) {
        Set<Service> services = new LinkedHashSet<>();
        for (String part : splitOutsideParentheses(names)) {
            String name = part.replaceAll("\\(.*\\)", "").strip();
            if (name.equals(EVERY_SERVICE)) {
                services.addAll(SERVICES);
            } else if (!OUTSIDE_READERS.contains(name)) {
                services.add(SERVICES.stream().filter(service -> service.name().equals(name)).findFirst()
                        .orElseThrow(() -> new IllegalStateException("The catalogue names '" + name + "' for " + topic
                                + ", which is no service of " + SERVICES.stream().map(Service::name).toList())));
            }
        }
        return services;
    }

    private static List<String> splitOutsideParentheses(String text) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        StringBuilder part = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth = Math.max(0, depth - 1);
            }
            if (c == ',' && depth == 0) {
                parts.add(part.toString());
                part.setLength(0);
            } else {
                part.append(c);
            }
        }
        parts.add(part.toString());
        return parts.stream().map(String::strip).filter(name -> !name.isEmpty()).toList();
    }

    private static void add(Collection<AclBinding> bindings, String principal, ResourceType type, String name,
                            PatternType pattern, AclOperation... operations) {
        for (AclOperation operation : operations) {
            bindings.add(new AclBinding(new ResourcePattern(type, name, pattern),
                    new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW)));
        }
    }
}
