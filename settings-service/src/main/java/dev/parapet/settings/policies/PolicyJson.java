package dev.parapet.settings.policies;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The policy API's JSON: what administrators write and read. */
public final class PolicyJson {

    private PolicyJson() {
    }

    /** Whom a policy applies to: everyone, or any of these users, profile groups and locations. */
    public record Scope(Boolean everyone, List<String> users, List<UUID> profileGroups, List<UUID> locations) {
    }

    public record BlockAllowList(List<String> blocked, List<String> allowed) {
    }

    /** One category group: NONE, ALL, or CUSTOM with the categories chosen. */
    public record GroupSelection(String groupId, String mode, List<String> categories) {
    }

    public record CategoryFiltering(String action, List<GroupSelection> groups) {
    }

    public record AdvancedSecurity(Boolean enforceSafeSearch, Boolean blockAnonymizers) {
    }

    public record LogSettings(String mode) {
    }

    /** A create or replace: the whole policy; exactly the payload of its type is set. */
    public record Write(String name, Boolean enabled, Integer priority, Scope scope, String type,
                        BlockAllowList blockAllowList, CategoryFiltering categoryFiltering,
                        AdvancedSecurity advancedSecurity, LogSettings logSettings) {
    }

    /** A policy as administrators read it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record View(UUID policyId, String name, long version, boolean enabled, int priority, Scope scope, String type,
                       BlockAllowList blockAllowList, CategoryFiltering categoryFiltering,
                       AdvancedSecurity advancedSecurity, LogSettings logSettings, String updatedBy, Instant updatedAt) {
    }

    /** A policy in a list: lists are counted, not shown. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Summary(UUID policyId, String name, long version, boolean enabled, int priority, Scope scope, String type,
                          Integer blockedCount, Integer allowedCount, String updatedBy, Instant updatedAt) {
    }

    /** One refused line of a bulk import. */
    public record RejectedLine(long line, String text, String reason) {
    }

    /** What a bulk import did. */
    public record ImportReport(UUID policyId, long version, String list, String mode, long linesRead,
                               long domainsAccepted, long duplicates, long rejectedCount, List<RejectedLine> rejected,
                               boolean rejectedTruncated) {
    }
}
