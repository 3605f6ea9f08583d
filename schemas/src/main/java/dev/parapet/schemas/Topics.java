package dev.parapet.schemas;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.avro.specific.SpecificRecord;

import dev.parapet.schemas.v1.access.AccessRequest;
import dev.parapet.schemas.v1.access.AccessRequestRaised;
import dev.parapet.schemas.v1.accounts.Account;
import dev.parapet.schemas.v1.agents.AgentState;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.categories.CategoryAssignment;
import dev.parapet.schemas.v1.categories.CategoryCatalogue;
import dev.parapet.schemas.v1.categories.CategoryFeedSubscription;
import dev.parapet.schemas.v1.exceptions.AccountExceptions;
import dev.parapet.schemas.v1.groups.ProfileGroup;
import dev.parapet.schemas.v1.keys.AccountKeyState;
import dev.parapet.schemas.v1.keys.KeyCommand;
import dev.parapet.schemas.v1.keys.KeyCommandResult;
import dev.parapet.schemas.v1.locations.Location;
import dev.parapet.schemas.v1.policies.Policy;
import dev.parapet.schemas.v1.resolvers.ResolverApplied;
import dev.parapet.schemas.v1.settings.AgentSettings;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.SettingsCommandResult;
import dev.parapet.schemas.v1.siem.SiemDestination;
import dev.parapet.schemas.v1.telemetry.AgentTelemetry;
import dev.parapet.schemas.v1.tunnels.TunnelDetection;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;

/**
 * The catalogue: every topic of Parapet, in one place. Services create what is missing at start-up
 * from this list, and docs/topics.md is generated from it (see {@link TopicCatalogueDocument}).
 */
public final class Topics {

    private static final Optional<Duration> COMPACTED = Optional.empty();

    public static final Topic<AccountKeyState> ACCOUNT_KEYS = new Topic<>("parapet.account-keys.v1",
            "accountId", AccountKeyState.class, Topic.Cleanup.COMPACT, 6, COMPACTED,
            "key-service", "key-service, dns-service, settings-service, diagnostics-service");

    public static final Topic<KeyCommand> KEY_COMMANDS = new Topic<>("parapet.key-commands.v1",
            "accountId", KeyCommand.class, Topic.Cleanup.DELETE, 6, Optional.of(Duration.ofDays(7)),
            "key-service (API)", "key-service (command processor)");

    public static final Topic<KeyCommandResult> KEY_COMMAND_RESULTS = new Topic<>("parapet.key-command-results.v1",
            "accountId", KeyCommandResult.class, Topic.Cleanup.DELETE, 6, Optional.of(Duration.ofDays(1)),
            "key-service (command processor)", "key-service (API)");

    public static final Topic<AgentState> AGENTS = new Topic<>("parapet.agents.v1",
            "agentId", AgentState.class, Topic.Cleanup.COMPACT, 6, COMPACTED,
            "key-service", "key-service, dns-service, settings-service, diagnostics-service");

    public static final Topic<AgentSettings> AGENT_SETTINGS = new Topic<>("parapet.agent-settings.v1",
            "accountId", AgentSettings.class, Topic.Cleanup.COMPACT, 6, COMPACTED,
            "settings-service", "settings-service, diagnostics-service");

    public static final Topic<SettingsCommand> SETTINGS_COMMANDS = new Topic<>("parapet.settings-commands.v1",
            "accountId", SettingsCommand.class, Topic.Cleanup.DELETE, 6, Optional.of(Duration.ofDays(7)),
            "settings-service (API)", "settings-service (command processor)");

    public static final Topic<SettingsCommandResult> SETTINGS_COMMAND_RESULTS = new Topic<>("parapet.settings-command-results.v1",
            "accountId", SettingsCommandResult.class, Topic.Cleanup.DELETE, 6, Optional.of(Duration.ofDays(1)),
            "settings-service (command processor)", "settings-service (API)");

    public static final Topic<SettingsCommand> GLOBAL_COMMANDS = new Topic<>("parapet.global-commands.v1",
            "the constant \"global\": one writer for what spans accounts (locations, category feeds and their subscriptions, the account registry)", SettingsCommand.class,
            Topic.Cleanup.DELETE, 1, Optional.of(Duration.ofDays(7)),
            "settings-service (API)", "settings-service (command processor)");

    public static final Topic<Account> ACCOUNTS = new Topic<>("parapet.accounts.v1",
            "accountId", Account.class, Topic.Cleanup.COMPACT, 1, COMPACTED,
            "settings-service (global writer)", "key-service, settings-service, dns-service, diagnostics-service (administrator token checks)");

    public static final Topic<Policy> POLICIES = new Topic<>("parapet.policies.v1",
            "accountId/policyId", Policy.class, Topic.Cleanup.COMPACT, 6, COMPACTED,
            "settings-service", "settings-service, dns-service");

    public static final Topic<Location> LOCATIONS = new Topic<>("parapet.locations.v1",
            "accountId/locationId", Location.class, Topic.Cleanup.COMPACT, 6, COMPACTED,
            "settings-service", "settings-service, dns-service");

    public static final Topic<AccountExceptions> EXCEPTIONS = new Topic<>("parapet.exceptions.v1",
            "accountId", AccountExceptions.class, Topic.Cleanup.COMPACT, 6, COMPACTED,
            "settings-service", "settings-service, dns-service");

    public static final Topic<ProfileGroup> PROFILE_GROUPS = new Topic<>("parapet.profile-groups.v1",
            "accountId/groupId", ProfileGroup.class, Topic.Cleanup.COMPACT, 6, COMPACTED,
            "settings-service", "settings-service, dns-service");

    public static final Topic<CategoryCatalogue> CATEGORY_CATALOGUE = new Topic<>("parapet.category-catalogue.v1",
            "the constant \"catalogue\"", CategoryCatalogue.class, Topic.Cleanup.COMPACT, 1, COMPACTED,
            "settings-service", "settings-service, dns-service");

    public static final Topic<CategoryAssignment> DOMAIN_CATEGORIES = new Topic<>("parapet.domain-categories.v1",
            "domain (normalised, punycode)", CategoryAssignment.class, Topic.Cleanup.COMPACT, 6, COMPACTED,
            "settings-service (global writer)", "dns-service");

    public static final Topic<CategoryFeedSubscription> CATEGORY_FEEDS = new Topic<>("parapet.category-feeds.v1",
            "categoryId", CategoryFeedSubscription.class, Topic.Cleanup.COMPACT, 1, COMPACTED,
            "settings-service (global writer)", "settings-service");

    /** Access requests as users raise them on the block page (dns-service), for settings-service to record. */
    public static final Topic<AccessRequestRaised> ACCESS_REQUESTS_RAISED = new Topic<>("parapet.access-requests-raised.v1",
            "accountId", AccessRequestRaised.class, Topic.Cleanup.DELETE, 6, Optional.of(Duration.ofDays(7)),
            "dns-service (block pages)", "settings-service (command processor)");

    /** Access requests and their decisions; dns-service enforces the approved ones until they expire. */
    public static final Topic<AccessRequest> ACCESS_REQUESTS = new Topic<>("parapet.access-requests.v1",
            "accountId/requestId", AccessRequest.class, Topic.Cleanup.COMPACT, 6, COMPACTED,
            "settings-service", "settings-service, dns-service");

    public static final Topic<DnsVerdict> VERDICTS = new Topic<>("parapet.verdicts.v1",
            "accountId", DnsVerdict.class, Topic.Cleanup.DELETE, 12, Optional.of(Duration.ofDays(7)),
            "dns-service", "diagnostics-service");

    public static final Topic<AgentTelemetry> AGENT_TELEMETRY = new Topic<>("parapet.agent-telemetry.v1",
            "accountId", AgentTelemetry.class, Topic.Cleanup.DELETE, 12, Optional.of(Duration.ofDays(7)),
            "diagnostics-service", "diagnostics-service");

    public static final Topic<AuditEvent> AUDIT = new Topic<>("parapet.audit.v1",
            "accountId (\"global\" for changes that span accounts)", AuditEvent.class, Topic.Cleanup.DELETE, 6,
            Optional.of(Duration.ofDays(400)), "key-service, settings-service, diagnostics-service (the query log's privacy changes and re-identifications)",
            "diagnostics-service (the audit log's read API), archival (outside Parapet: an operator's consumer, granted by hand)");

    /**
     * What each resolver instance enforces: a report after every change it applies and a heartbeat in
     * between, so its segments roll every ten minutes and compaction keeps one report per instance
     * (a restarted settings-service reads minutes of reports, not days).
     */
    public static final Topic<ResolverApplied> RESOLVER_APPLIED = new Topic<>("parapet.resolver-applied.v1",
            "instanceId (one dns-service process; a tombstone when it stops cleanly)", ResolverApplied.class,
            Topic.Cleanup.COMPACT, 1, COMPACTED, "dns-service", "settings-service",
            Map.of("segment.ms", Long.toString(Duration.ofMinutes(10).toMillis())));

    /**
     * The registered domains diagnostics-service finds an account's clients tunnelling through, for dns-service to
     * block where the account's Advanced Security policy asks it to; a tombstone once none is active.
     */
    public static final Topic<TunnelDetection> TUNNEL_DETECTIONS = new Topic<>("parapet.tunnel-detections.v1",
            "accountId/registeredDomain (a tombstone once no client's finding through it is active)", TunnelDetection.class,
            Topic.Cleanup.COMPACT, 6, COMPACTED, "diagnostics-service", "dns-service");

    public static final Topic<SiemDestination> SIEM_DESTINATIONS = new Topic<>("parapet.siem-destinations.v1",
            "accountId (a tombstone removes the account's destination)", SiemDestination.class, Topic.Cleanup.COMPACT, 6, COMPACTED,
            "settings-service", "settings-service, diagnostics-service");

    private static final List<Topic<? extends SpecificRecord>> ALL = List.of(ACCOUNT_KEYS, KEY_COMMANDS, KEY_COMMAND_RESULTS, AGENTS, AGENT_SETTINGS, SETTINGS_COMMANDS, SETTINGS_COMMAND_RESULTS,
            GLOBAL_COMMANDS, ACCOUNTS,
            POLICIES, LOCATIONS, EXCEPTIONS, PROFILE_GROUPS, CATEGORY_CATALOGUE, DOMAIN_CATEGORIES, CATEGORY_FEEDS,
            ACCESS_REQUESTS_RAISED, ACCESS_REQUESTS, VERDICTS, AGENT_TELEMETRY, AUDIT, RESOLVER_APPLIED, TUNNEL_DETECTIONS,
            SIEM_DESTINATIONS);

    private Topics() {
    }

    public static List<Topic<? extends SpecificRecord>> all() {
        return ALL;
    }

    public static Optional<Topic<? extends SpecificRecord>> byName(String name) {
        return ALL.stream().filter(topic -> topic.name().equals(name)).findFirst();
    }
}
