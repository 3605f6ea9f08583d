package dev.parapet.settings.policies;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import dev.parapet.kit.problem.Problems;
import dev.parapet.schemas.v1.categories.Category;
import dev.parapet.schemas.v1.categories.CategoryCatalogue;
import dev.parapet.schemas.v1.categories.CategoryGroup;
import dev.parapet.schemas.v1.common.Scope;
import dev.parapet.schemas.v1.policies.AdvancedSecurity;
import dev.parapet.schemas.v1.policies.BlockAllowList;
import dev.parapet.schemas.v1.policies.CategoryFiltering;
import dev.parapet.schemas.v1.policies.CategoryGroupSelection;
import dev.parapet.schemas.v1.policies.FilterAction;
import dev.parapet.schemas.v1.policies.LogMode;
import dev.parapet.schemas.v1.policies.LogSettings;
import dev.parapet.schemas.v1.policies.Policy;
import dev.parapet.schemas.v1.policies.PolicyType;
import dev.parapet.schemas.v1.policies.SelectionMode;
import dev.parapet.settings.Inputs;
import dev.parapet.settings.agentsettings.SettingsState;

/**
 * A policy as written over HTTP, validated field by field and normalised into the record the writer
 * stores; and a stored policy back into JSON.
 */
final class PolicyInput {

    static final int MAX_USERS = 10_000;
    static final int MAX_TARGETS = 1_000;

    private PolicyInput() {
    }

    /**
     * A policy ready to send, with the warnings to answer with (a private suffix in a list) and the
     * suffixes its lists keep because the request confirmed them (for the audit event).
     */
    record Written(Policy policy, List<Problems.FieldError> warnings, List<String> confirmedSuffixes) {
    }

    /**
     * The policy, or a 400 listing every bad field.
     *
     * @param confirmSuffix the request's {@code confirmSuffix} values: the public suffixes and single labels its
     *                      lists may hold (see {@link ListEntries})
     */
    static Written toPolicy(PolicyJson.Write body, List<String> confirmSuffix, UUID accountId, UUID policyId, String admin,
                            SettingsState state) {
        if (body == null) {
            throw Problems.badRequest("A body with the policy is required.");
        }
        List<Problems.FieldError> errors = new ArrayList<>();
        List<Problems.FieldError> warnings = new ArrayList<>();
        Set<String> confirmed = ListEntries.confirmed(confirmSuffix, errors);
        Set<String> confirmedKept = new HashSet<>();
        String name = Inputs.name(body.name(), "name", errors);
        int priority = body.priority() == null ? 100 : body.priority();
        if (priority < 0 || priority > 1000) {
            errors.add(new Problems.FieldError("priority", "must be between 0 and 1000 (lower applies first)"));
        }
        Scope scope = scope(body.scope(), accountId, state, errors);
        PolicyType type = enumValue(PolicyType.class, body.type(), "type", errors);
        Map<PolicyType, Object> payloads = new LinkedHashMap<>();
        payloads.put(PolicyType.BLOCK_ALLOW_LIST, body.blockAllowList());
        payloads.put(PolicyType.CATEGORY_FILTERING, body.categoryFiltering());
        payloads.put(PolicyType.ADVANCED_SECURITY, body.advancedSecurity());
        payloads.put(PolicyType.LOG_SETTINGS, body.logSettings());
        Policy.Builder policy = Policy.newBuilder().setAccountId(accountId).setPolicyId(policyId).setName(name).setVersion(0)
                .setEnabled(body.enabled() == null || body.enabled()).setPriority(priority).setScope(scope)
                .setType(type == null ? PolicyType.LOG_SETTINGS : type).setUpdatedBy(admin).setUpdatedAt(Instant.now());
        if (type != null) {
            payloads.forEach((kind, payload) -> {
                if (kind != type && payload != null) {
                    errors.add(new Problems.FieldError(field(kind), "must not be set on a " + type + " policy"));
                }
            });
            if (payloads.get(type) == null) {
                errors.add(new Problems.FieldError(field(type), "is required for a " + type + " policy"));
            } else {
                switch (type) {
                    case BLOCK_ALLOW_LIST -> policy.setBlockAllowList(lists(body.blockAllowList(), confirmed, errors, warnings,
                            confirmedKept));
                    case CATEGORY_FILTERING -> policy.setCategoryFiltering(categories(body.categoryFiltering(),
                            state.catalogue(), errors));
                    case ADVANCED_SECURITY -> policy.setAdvancedSecurity(new AdvancedSecurity(
                            Boolean.TRUE.equals(body.advancedSecurity().enforceSafeSearch()),
                            Boolean.TRUE.equals(body.advancedSecurity().blockAnonymizers()),
                            Boolean.TRUE.equals(body.advancedSecurity().blockDetectedTunnels())));
                    case LOG_SETTINGS -> {
                        LogMode mode = enumValue(LogMode.class, body.logSettings().mode(), "logSettings.mode", errors);
                        policy.setLogSettings(new LogSettings(mode == null ? LogMode.EVERYTHING : mode));
                    }
                }
            }
        }
        if (!errors.isEmpty()) {
            throw Problems.invalid(errors);
        }
        return new Written(policy.build(), List.copyOf(warnings), ListEntries.sorted(confirmedKept));
    }

    private static String field(PolicyType type) {
        return switch (type) {
            case BLOCK_ALLOW_LIST -> "blockAllowList";
            case CATEGORY_FILTERING -> "categoryFiltering";
            case ADVANCED_SECURITY -> "advancedSecurity";
            case LOG_SETTINGS -> "logSettings";
        };
    }

    private static Scope scope(PolicyJson.Scope scope, UUID accountId, SettingsState state, List<Problems.FieldError> errors) {
        if (scope == null) {
            errors.add(new Problems.FieldError("scope", "is required: {\"everyone\": true} or users, profileGroups and/or locations"));
            return new Scope(false, List.of(), List.of(), List.of());
        }
        boolean everyone = Boolean.TRUE.equals(scope.everyone());
        List<String> users = Inputs.all(scope.users(), "scope.users", MAX_USERS, false, errors, Inputs::email);
        List<UUID> groups = distinct(scope.profileGroups(), "scope.profileGroups", errors);
        List<UUID> locations = distinct(scope.locations(), "scope.locations", errors);
        for (int i = 0; i < groups.size(); i++) {
            if (state.groups().get(accountId, groups.get(i)).isEmpty()) {
                errors.add(new Problems.FieldError("scope.profileGroups[" + i + "]", "no profile group " + groups.get(i) + " in this account"));
            }
        }
        for (int i = 0; i < locations.size(); i++) {
            if (state.locations().get(accountId, locations.get(i)).isEmpty()) {
                errors.add(new Problems.FieldError("scope.locations[" + i + "]", "no location " + locations.get(i) + " in this account"));
            }
        }
        boolean targeted = !users.isEmpty() || !groups.isEmpty() || !locations.isEmpty();
        if (everyone && targeted) {
            errors.add(new Problems.FieldError("scope", "everyone cannot be combined with users, profile groups or locations"));
        } else if (!everyone && !targeted) {
            errors.add(new Problems.FieldError("scope", "names nobody: set everyone, or users, profileGroups and/or locations"));
        }
        return new Scope(everyone, users, groups, locations);
    }

    private static List<UUID> distinct(List<UUID> ids, String field, List<Problems.FieldError> errors) {
        if (ids == null) {
            return List.of();
        }
        if (ids.size() > MAX_TARGETS) {
            errors.add(new Problems.FieldError(field, "at most " + MAX_TARGETS + " entries"));
            return List.of();
        }
        if (ids.contains(null)) {
            errors.add(new Problems.FieldError(field, "must not contain null"));
            return List.of();
        }
        return ids.stream().distinct().toList();
    }

    private static BlockAllowList lists(PolicyJson.BlockAllowList lists, Set<String> confirmed, List<Problems.FieldError> errors,
                                        List<Problems.FieldError> warnings, Set<String> confirmedKept) {
        List<String> blocked = new ListEntries(confirmed, ListEntries.Effect.BLOCK).all(lists.blocked(), "blockAllowList.blocked",
                PolicyDecisions.MAX_LIST_DOMAINS, errors, warnings, confirmedKept);
        List<String> allowed = new ListEntries(confirmed, ListEntries.Effect.ALLOW).all(lists.allowed(), "blockAllowList.allowed",
                PolicyDecisions.MAX_LIST_DOMAINS, errors, warnings, confirmedKept);
        Set<String> both = new HashSet<>(blocked);
        both.retainAll(new HashSet<>(allowed));
        if (!both.isEmpty()) {
            errors.add(new Problems.FieldError("blockAllowList", "a domain cannot be both blocked and allowed: "
                    + both.stream().sorted().limit(10).collect(Collectors.joining(", "))));
        }
        if (PolicyDecisions.bytes(blocked) + PolicyDecisions.bytes(allowed) > PolicyDecisions.MAX_LIST_BYTES) {
            errors.add(new Problems.FieldError("blockAllowList", "the domains take more than "
                    + PolicyDecisions.MAX_LIST_BYTES / (1024 * 1024) + " MiB; split them across policies"));
        }
        if (blocked.size() + allowed.size() > PolicyDecisions.MAX_LIST_DOMAINS) {
            errors.add(new Problems.FieldError("blockAllowList", "at most " + PolicyDecisions.MAX_LIST_DOMAINS + " domains"));
        }
        return new BlockAllowList(blocked, allowed);
    }

    private static CategoryFiltering categories(PolicyJson.CategoryFiltering filtering, Optional<CategoryCatalogue> catalogue,
                                                List<Problems.FieldError> errors) {
        FilterAction action = filtering.action() == null ? FilterAction.BLOCK
                : enumValue(FilterAction.class, filtering.action(), "categoryFiltering.action", errors);
        List<CategoryGroupSelection> selections = new ArrayList<>();
        List<PolicyJson.GroupSelection> groups = filtering.groups() == null ? List.of() : filtering.groups();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < groups.size(); i++) {
            String field = "categoryFiltering.groups[" + i + "]";
            PolicyJson.GroupSelection selection = groups.get(i);
            if (selection == null || selection.groupId() == null) {
                errors.add(new Problems.FieldError(field + ".groupId", "is required"));
                continue;
            }
            Optional<CategoryGroup> group = catalogue.flatMap(c -> c.getGroups().stream()
                    .filter(g -> g.getGroupId().equals(selection.groupId())).findFirst());
            if (group.isEmpty()) {
                errors.add(new Problems.FieldError(field + ".groupId", "no category group '" + selection.groupId()
                        + "' (see GET /api/v1/categories)"));
                continue;
            }
            if (!seen.add(selection.groupId())) {
                errors.add(new Problems.FieldError(field + ".groupId", "'" + selection.groupId() + "' is selected twice"));
            }
            SelectionMode mode = enumValue(SelectionMode.class, selection.mode(), field + ".mode", errors);
            List<String> chosen = selection.categories() == null ? List.of() : selection.categories();
            Set<String> known = group.get().getCategories().stream().map(Category::getCategoryId).collect(Collectors.toSet());
            if (mode == SelectionMode.CUSTOM) {
                if (chosen.isEmpty()) {
                    errors.add(new Problems.FieldError(field + ".categories", "CUSTOM needs at least one category"));
                }
                for (int j = 0; j < chosen.size(); j++) {
                    if (!known.contains(chosen.get(j))) {
                        errors.add(new Problems.FieldError(field + ".categories[" + j + "]", "no category '" + chosen.get(j)
                                + "' in group '" + selection.groupId() + "'"));
                    }
                }
            } else if (!chosen.isEmpty()) {
                errors.add(new Problems.FieldError(field + ".categories", "only a CUSTOM selection lists categories"));
            }
            selections.add(new CategoryGroupSelection(selection.groupId(), mode == null ? SelectionMode.NONE : mode,
                    mode == SelectionMode.CUSTOM ? chosen.stream().distinct().toList() : List.of()));
        }
        return new CategoryFiltering(selections, action == null ? FilterAction.BLOCK : action);
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, String text, String field, List<Problems.FieldError> errors) {
        String allowed = java.util.Arrays.stream(type.getEnumConstants()).map(Enum::name).collect(Collectors.joining(", "));
        if (text == null) {
            errors.add(new Problems.FieldError(field, "is required: one of " + allowed));
            return null;
        }
        try {
            return Enum.valueOf(type, text.strip().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            errors.add(new Problems.FieldError(field, "'" + text + "' is not one of " + allowed));
            return null;
        }
    }

    static PolicyJson.View view(Policy policy) {
        BlockAllowList lists = policy.getBlockAllowList();
        CategoryFiltering filtering = policy.getCategoryFiltering();
        AdvancedSecurity advanced = policy.getAdvancedSecurity();
        LogSettings log = policy.getLogSettings();
        return new PolicyJson.View(policy.getPolicyId(), policy.getName(), policy.getVersion(), policy.getEnabled(),
                policy.getPriority(), scope(policy.getScope()), policy.getType().name(),
                lists == null ? null : new PolicyJson.BlockAllowList(lists.getBlocked(), lists.getAllowed()),
                filtering == null ? null : new PolicyJson.CategoryFiltering(filtering.getAction().name(),
                        filtering.getGroups().stream().map(g -> new PolicyJson.GroupSelection(g.getGroupId(), g.getMode().name(),
                                g.getCategoryIds())).toList()),
                advanced == null ? null : new PolicyJson.AdvancedSecurity(advanced.getEnforceSafeSearch(), advanced.getBlockAnonymizers(),
                        advanced.getBlockDetectedTunnels()),
                log == null ? null : new PolicyJson.LogSettings(log.getMode().name()),
                policy.getUpdatedBy(), policy.getUpdatedAt(), null);
    }

    static PolicyJson.Summary summary(Policy policy) {
        BlockAllowList lists = policy.getBlockAllowList();
        return new PolicyJson.Summary(policy.getPolicyId(), policy.getName(), policy.getVersion(), policy.getEnabled(),
                policy.getPriority(), scope(policy.getScope()), policy.getType().name(),
                lists == null ? null : lists.getBlocked().size(), lists == null ? null : lists.getAllowed().size(),
                policy.getUpdatedBy(), policy.getUpdatedAt());
    }

    private static PolicyJson.Scope scope(Scope scope) {
        return new PolicyJson.Scope(scope.getEveryone(), scope.getUserEmails(), scope.getProfileGroupIds(), scope.getLocationIds());
    }
}
