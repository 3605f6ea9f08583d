package dev.parapet.settings.categories;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.security.Admin;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.categories.CategoryCatalogue;
import dev.parapet.schemas.v1.settings.ImportCategoryFeed;
import dev.parapet.settings.SettingsProperties;
import dev.parapet.settings.agentsettings.SettingsState;
import dev.parapet.settings.commands.Commands;
import dev.parapet.settings.policies.DomainListImport;
import dev.parapet.settings.policies.ListEntries;
import dev.parapet.settings.policies.PolicyJson;
import reactor.core.publisher.Mono;

/**
 * The category catalogue (readable by every administrator) and the import of category feeds, which
 * only the platform operator may run: a Super or Full Administrator of an account listed in
 * {@code parapet.settings.operator-accounts}.
 */
@RestController
public class CategoryController {

    /** The most domains one feed may list: the feed travels to the global writer as one record (8 MiB). */
    public static final int MAX_FEED_DOMAINS = 250_000;

    /** What a feed import did (the counts and lists as in a policy's bulk import). */
    public record FeedReport(String categoryId, long linesRead, long ignoredLines, long domains, long duplicates, long changed,
                             long rejectedCount, List<PolicyJson.ReportedLine> rejected, boolean rejectedTruncated,
                             long skippedCount, List<PolicyJson.ReportedLine> skipped, long warningCount,
                             List<PolicyJson.ReportedLine> warnings, List<String> confirmedSuffixes) {
    }

    private final SettingsState state;
    private final SettingsProperties properties;
    private final KafkaTemplate<String, Object> kafka;

    public CategoryController(SettingsState state, SettingsProperties properties, KafkaTemplate<String, Object> kafka) {
        this.state = state;
        this.properties = properties;
        this.kafka = kafka;
    }

    /** Publishes the shipped catalogue once this instance has read the topic, if what is there differs. */
    @EventListener(ApplicationReadyEvent.class)
    public void publishCatalogue() {
        state.follower().ready().thenRun(() -> {
            CategoryCatalogue current = state.catalogue().orElse(null);
            if (current == null || !current.getGroups().equals(CategoryCatalogueDefinition.groups())) {
                long version = current == null ? 1 : current.getVersion() + 1;
                kafka.send(Topics.CATEGORY_CATALOGUE.name(), "catalogue", CategoryCatalogueDefinition.catalogue(version, Instant.now()));
            }
        });
    }

    /** One category as administrators see it. */
    public record CategoryView(String categoryId, String name, String description, boolean security) {
    }

    /** One category group. */
    public record GroupView(String groupId, String name, String description, List<CategoryView> categories) {
    }

    /** The catalogue. */
    public record CatalogueView(long version, List<GroupView> groups) {
    }

    @GetMapping("/api/v1/categories")
    public CatalogueView catalogue(@AuthenticationPrincipal Admin admin) {
        CategoryCatalogue catalogue = state.catalogue()
                .orElseThrow(() -> Problems.unavailable("The category catalogue has not been published yet."));
        return new CatalogueView(catalogue.getVersion(), catalogue.getGroups().stream().map(group -> new GroupView(
                group.getGroupId(), group.getName(), group.getDescription(), group.getCategories().stream()
                .map(c -> new CategoryView(c.getCategoryId(), c.getName(), c.getDescription(), c.getSecurity())).toList()))
                .toList());
    }

    /**
     * Replaces the domains of one category with a feed: a text body, one domain a line, streamed, read
     * as a policy's bulk import is (a public suffix or single label is a bad line unless
     * {@code confirmSuffix} names it; an empty body is refused).
     */
    @PutMapping("/api/v1/categories/{categoryId}/domains")
    public Mono<FeedReport> importFeed(@PathVariable String categoryId, @AuthenticationPrincipal Admin admin,
                                       @RequestParam(name = "confirmSuffix", required = false) List<String> confirmSuffix,
                                       ServerHttpRequest http) {
        properties.requireOperator(admin, "import category feeds");
        if (!CategoryCatalogueDefinition.exists(categoryId)) {
            throw Problems.notFound("There is no category '" + categoryId + "' (see GET /api/v1/categories).");
        }
        Set<String> confirmed = ListEntries.confirmedOrRefused(confirmSuffix);
        UUID account = admin.accountId();
        ListEntries rules = new ListEntries(confirmed, ListEntries.Effect.CATEGORISE);
        return DomainListImport.read(http.getBody(), rules, MAX_FEED_DOMAINS).flatMap(read -> {
            if (read.overLimit()) {
                return Mono.error(Problems.badRequest("A feed lists at most " + MAX_FEED_DOMAINS + " domains, "
                        + dev.parapet.settings.policies.PolicyDecisions.MAX_LIST_BYTES / (1024 * 1024) + " MiB of them."));
            }
            ImportCategoryFeed feed = new ImportCategoryFeed(categoryId, read.domains(), read.confirmedSuffixes(), null);
            return Commands.send(state, account, admin, http, feed, version -> true)
                    .map(changed -> new FeedReport(categoryId, read.lines(), read.ignoredLines(), read.domains().size(),
                            read.duplicates(), changed, read.rejectedCount(), read.rejected(),
                            read.rejectedCount() > read.rejected().size(), read.skippedCount(), read.skipped(),
                            read.warningCount(), read.warnings(), read.confirmedSuffixes()));
        });
    }
}
