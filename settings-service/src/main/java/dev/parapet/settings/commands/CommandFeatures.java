package dev.parapet.settings.commands;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.parapet.settings.access.AccessRequestDecisions;
import dev.parapet.settings.accounts.AccountDecisions;
import dev.parapet.settings.agentsettings.SettingsDecisions;
import dev.parapet.settings.exceptions.ExceptionDecisions;
import dev.parapet.settings.feeds.FeedSubscriptionDecisions;
import dev.parapet.settings.groups.GroupDecisions;
import dev.parapet.settings.locations.LocationDecisions;
import dev.parapet.settings.policies.PolicyDecisions;
import dev.parapet.settings.siem.SiemDestinationDecisions;

/**
 * Every feature the writers run, each registered once beside its decisions ({@link Feature}); what
 * the topology, the decisions and the HTTP side need to know about commands is read from here. A
 * command type registered twice, or a topic or store claimed by two features, fails at start.
 */
public final class CommandFeatures {

    /** The registrations: one line per feature. */
    public static final List<Feature> ALL = List.of(
            SettingsDecisions.FEATURE,
            ExceptionDecisions.FEATURE,
            PolicyDecisions.FEATURE,
            GroupDecisions.FEATURE,
            AccessRequestDecisions.FEATURE,
            LocationDecisions.FEATURE,
            FeedSubscriptionDecisions.FEATURE,
            AccountDecisions.FEATURE,
            SiemDestinationDecisions.FEATURE);

    private static final Map<Class<?>, Feature> BY_COMMAND = new HashMap<>();
    private static final Map<String, String> STORE_OF_TOPIC = new LinkedHashMap<>();

    static {
        for (Feature feature : ALL) {
            for (Class<?> type : feature.commandTypes()) {
                Feature other = BY_COMMAND.putIfAbsent(type, feature);
                if (other != null) {
                    throw new IllegalStateException(type.getSimpleName() + " is registered by " + other + " and " + feature);
                }
            }
            for (Feature.Store store : feature.stores()) {
                if (STORE_OF_TOPIC.containsKey(store.topic()) || STORE_OF_TOPIC.containsValue(store.name())) {
                    throw new IllegalStateException(feature + " claims " + store + ", which another feature keeps");
                }
                STORE_OF_TOPIC.put(store.topic(), store.name());
            }
        }
    }

    private CommandFeatures() {
    }

    /** The feature that decides this command type, if any does. */
    public static Optional<Feature> of(Object action) {
        return action == null ? Optional.empty() : Optional.ofNullable(BY_COMMAND.get(action.getClass()));
    }

    /** The writer that decides this command type; an unknown type goes to an account's writer, which refuses it. */
    public static Feature.Writer writerOf(Object action) {
        return of(action).map(Feature::writer).orElse(Feature.Writer.ACCOUNT);
    }

    /** The store that mirrors each topic the writers publish with a store, under the same key. */
    public static Map<String, String> storeOfTopic() {
        return java.util.Collections.unmodifiableMap(STORE_OF_TOPIC);
    }

    /** The names of the stores the features of one writer keep; that writer's decisions may read any of them. */
    public static List<String> storesOf(Feature.Writer writer) {
        return ALL.stream().filter(feature -> feature.writer() == writer)
                .flatMap(feature -> feature.stores().stream()).map(Feature.Store::name).toList();
    }
}
