package dev.parapet.settings.policies;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.parapet.kit.problem.Problems;

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

    /** Off where left out. blockDetectedTunnels: block the registered domains diagnostics finds tunnelled through. */
    public record AdvancedSecurity(Boolean enforceSafeSearch, Boolean blockAnonymizers, Boolean blockDetectedTunnels) {
    }

    public record LogSettings(String mode) {
    }

    /** A create or replace: the whole policy; exactly the payload of its type is set. */
    public record Write(String name, Boolean enabled, Integer priority, Scope scope, String type,
                        BlockAllowList blockAllowList, CategoryFiltering categoryFiltering,
                        AdvancedSecurity advancedSecurity, LogSettings logSettings) {
    }

    /**
     * A policy as administrators read it. The answer to a create or replace also carries the warnings
     * about what it keeps (a list entry that is a suffix of the Public Suffix List's private section);
     * a read never does.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record View(UUID policyId, String name, long version, boolean enabled, int priority, Scope scope, String type,
                       BlockAllowList blockAllowList, CategoryFiltering categoryFiltering,
                       AdvancedSecurity advancedSecurity, LogSettings logSettings, String updatedBy, Instant updatedAt,
                       List<Problems.FieldError> warnings) {

        View withWarnings(List<Problems.FieldError> written) {
            return new View(policyId, name, version, enabled, priority, scope, type, blockAllowList, categoryFiltering,
                    advancedSecurity, logSettings, updatedBy, updatedAt, written.isEmpty() ? null : List.copyOf(written));
        }
    }

    /** A policy in a list: lists are counted, not shown. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Summary(UUID policyId, String name, long version, boolean enabled, int priority, Scope scope, String type,
                          Integer blockedCount, Integer allowedCount, String updatedBy, Instant updatedAt) {
    }

    /** One line of a bulk import that was refused, skipped or kept with a warning, and why. */
    public record ReportedLine(long line, String text, String reason) {
    }

    /**
     * What a bulk import did: every line read is blank or a comment ({@code ignoredLines}) or holds names;
     * each name was imported ({@code domainsAccepted}, some of them with a warning, some confirmed
     * suffixes), a duplicate, rejected (an error) or skipped (a hosts file's name for the machine itself).
     * The lists show the first 1 000 of each kind; the counts count them all.
     */
    public record ImportReport(UUID policyId, long version, String list, String mode, long linesRead, long ignoredLines,
                               long domainsAccepted, long duplicates, long rejectedCount, List<ReportedLine> rejected,
                               boolean rejectedTruncated, long skippedCount, List<ReportedLine> skipped,
                               long warningCount, List<ReportedLine> warnings, List<String> confirmedSuffixes) {
    }
}
