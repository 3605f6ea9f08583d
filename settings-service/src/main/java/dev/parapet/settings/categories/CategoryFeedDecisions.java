package dev.parapet.settings.categories;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.parapet.kit.audit.AuditJson;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.categories.CategoryAssignment;
import dev.parapet.schemas.v1.settings.ImportCategoryFeed;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.settings.commands.Decision;
import dev.parapet.settings.commands.SettingsCommandTopology;
import dev.parapet.settings.commands.StateStores;
import tools.jackson.databind.node.ObjectNode;

/**
 * A category feed replaces the domains of its category: listed domains gain it, domains no longer
 * listed lose it, and a domain left with no category is removed (tombstone). Categories are merged
 * per domain, so a resolver needs only the latest record of each domain.
 */
public final class CategoryFeedDecisions {

    private CategoryFeedDecisions() {
    }

    public static Decision importFeed(StateStores stores, SettingsCommand command, ImportCategoryFeed feed, Instant now) {
        String category = feed.getCategoryId();
        Set<String> listed = new HashSet<>(feed.getDomains());
        List<Decision.Output> outputs = new ArrayList<>();
        long[] removed = {0};
        stores.<CategoryAssignment>forEach(SettingsCommandTopology.DOMAIN_CATEGORIES_STORE, assignment -> {
            if (assignment.getCategoryIds().contains(category) && !listed.contains(assignment.getDomain())) {
                List<String> rest = assignment.getCategoryIds().stream().filter(id -> !id.equals(category)).toList();
                outputs.add(new Decision.Output(Topics.DOMAIN_CATEGORIES.name(), assignment.getDomain(),
                        rest.isEmpty() ? null : new CategoryAssignment(assignment.getDomain(), rest, now)));
                removed[0]++;
            }
        });
        long added = 0;
        for (String domain : feed.getDomains()) {
            CategoryAssignment current = stores.get(SettingsCommandTopology.DOMAIN_CATEGORIES_STORE, domain);
            if (current == null || !current.getCategoryIds().contains(category)) {
                List<String> categories = new ArrayList<>(current == null ? List.of() : current.getCategoryIds());
                categories.add(category);
                outputs.add(new Decision.Output(Topics.DOMAIN_CATEGORIES.name(), domain,
                        new CategoryAssignment(domain, List.copyOf(categories), now)));
                added++;
            }
        }
        ObjectNode described = AuditJson.object().put("category", category).put("domains", listed.size())
                .put("added", added).put("removed", removed[0]);
        if (!feed.getConfirmedSuffixes().isEmpty()) {
            described.set("confirmedSuffixes", AuditJson.tree(feed.getConfirmedSuffixes()));
        }
        String summary = AuditJson.write(described);
        outputs.add(new Decision.Output(Topics.AUDIT.name(), "global", Decision.audit(command, "category-feed.import",
                "category", category, null, summary, now)));
        return new Decision(Decision.result(command, true, null, added + removed[0], summary), outputs);
    }
}
