package dev.parapet.settings.categories;

import static dev.parapet.settings.commands.InMemoryStores.command;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.categories.CategoryAssignment;
import dev.parapet.schemas.v1.settings.ImportCategoryFeed;
import dev.parapet.settings.commands.Decision;
import dev.parapet.settings.commands.InMemoryStores;
import dev.parapet.settings.commands.SettingsCommandTopology;

/** A feed import, decided from the domain-categories store: what gains, keeps and loses the category. */
class CategoryFeedDecisionsTest {

    private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");

    private final InMemoryStores stores = new InMemoryStores();

    private InMemoryStores assigned(String domain, String... categories) {
        return stores.put(SettingsCommandTopology.DOMAIN_CATEGORIES_STORE, domain, new CategoryAssignment(domain, List.of(categories), Instant.EPOCH));
    }

    private Decision importing(String category, String... domains) {
        ImportCategoryFeed feed = new ImportCategoryFeed(category, List.of(domains), List.of(), null);
        return CategoryFeedDecisions.importFeed(stores, command(UUID.randomUUID(), feed), feed, NOW);
    }

    /** The domain records published, by domain; a null list for a tombstone. */
    private static Map<String, List<String>> published(Decision decision) {
        return decision.outputs().stream().filter(output -> output.topic().equals(Topics.DOMAIN_CATEGORIES.name()))
                .collect(Collectors.toMap(Decision.Output::key, output -> output.value() == null ? List.of("(tombstone)")
                        : ((CategoryAssignment) output.value()).getCategoryIds()));
    }

    @Test
    void listedDomainsGainTheCategoryAndKeepTheirOthersAndOnlyChangesArePublished() {
        assigned("both.example", "gambling");
        assigned("already.example", "phishing");

        Decision decision = importing("phishing", "new.example", "both.example", "already.example");

        assertThat(published(decision)).containsOnly(
                Map.entry("new.example", List.of("phishing")),
                Map.entry("both.example", List.of("gambling", "phishing")));
        assertThat(decision.result().getAccepted()).isTrue();
        assertThat(decision.result().getVersion()).as("records changed").isEqualTo(2);
    }

    @Test
    void domainsNoLongerListedLoseTheCategoryAndOneLeftWithNoneIsATombstone() {
        assigned("gone.example", "phishing");
        assigned("shared.example", "gambling", "phishing");
        assigned("other.example", "gambling");

        Decision decision = importing("phishing", "kept.example");

        assertThat(published(decision)).containsOnly(
                Map.entry("gone.example", List.of("(tombstone)")),
                Map.entry("shared.example", List.of("gambling")),
                Map.entry("kept.example", List.of("phishing")));
        AuditEvent audit = (AuditEvent) decision.outputs().stream().filter(output -> output.topic().equals(Topics.AUDIT.name()))
                .findFirst().orElseThrow().value();
        assertThat(audit.getAction()).isEqualTo("category-feed.import");
        assertThat(audit.getAfter()).contains("\"category\":\"phishing\"").contains("\"added\":1").contains("\"removed\":2");
    }
}
