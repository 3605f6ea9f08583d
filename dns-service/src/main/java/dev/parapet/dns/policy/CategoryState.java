package dev.parapet.dns.policy;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.specific.SpecificRecord;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.stereotype.Component;

import dev.parapet.dns.index.DomainMap;
import dev.parapet.dns.index.DomainSet;
import dev.parapet.kit.kafka.RegistryProperties;
import dev.parapet.kit.state.FollowedState;
import dev.parapet.kit.state.TopicFollower;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.categories.Category;
import dev.parapet.schemas.v1.categories.CategoryAssignment;
import dev.parapet.schemas.v1.categories.CategoryCatalogue;
import dev.parapet.schemas.v1.categories.CategoryGroup;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The categories of every categorised domain (`parapet.domain-categories.v1`) and the catalogue,
 * followed on a thread of their own so that loading hundreds of thousands of domains never delays a
 * policy change. Changes go into a {@link DomainMap}; an immutable copy is published when the follower
 * has read everything there is (an empty poll), or at least every {@value #REBUILD_EVERY_MS} ms while a
 * large feed is still streaming in.
 */
@Component
public class CategoryState extends FollowedState {

    static final long REBUILD_EVERY_MS = 2_000;
    /** The consumer's default max.poll.records: a batch this size may have more behind it. */
    private static final int FULL_BATCH = 500;

    /** The catalogue as the resolver uses it: category names for pages, group members for ALL. */
    public record Catalogue(Map<String, String> categoryNames, Map<String, List<String>> groupMembers,
                            List<String> securityCategories) {
        static final Catalogue EMPTY = new Catalogue(Map.of(), Map.of(), List.of());
    }

    private final CategoryBits bits;
    private final DomainMap domains = new DomainMap();
    private final TopicFollower follower;
    private final Map<Runnable, Boolean> listeners = new ConcurrentHashMap<>();
    private volatile DomainSet index = DomainSet.of();
    private volatile Catalogue catalogue = Catalogue.EMPTY;
    private int readSinceRebuild;
    private int readAtLastBatch;
    private long lastRebuild;

    private final boolean standalone;

    public CategoryState(KafkaProperties kafka, RegistryProperties registry, MeterRegistry meters, CategoryBits bits,
                         dev.parapet.dns.Standalone standalone) {
        this.bits = bits;
        this.standalone = standalone.enabled();
        this.follower = new TopicFollower("category-state", kafka.buildConsumerProperties(), registry.url(), meters, List.of(
                new TopicFollower.Subscription(Topics.DOMAIN_CATEGORIES.name(), true, this::onAssignment),
                new TopicFollower.Subscription(Topics.CATEGORY_CATALOGUE.name(), true, this::onCatalogue)),
                this::afterBatch);
    }

    /** The category mask of a name (lower case, no trailing dot): its own or its nearest listed parent's. */
    public long categoriesOf(byte[] name, int offset, int length) {
        return index.valueOf(name, offset, length);
    }

    public Catalogue catalogue() {
        return catalogue;
    }

    /** Called (on the follower's thread) after a new catalogue arrives, so that policies are compiled again. */
    public void onCatalogueChange(Runnable listener) {
        listeners.put(listener, Boolean.TRUE);
    }

    private void onAssignment(String key, SpecificRecord value) {
        readSinceRebuild++;
        if (value instanceof CategoryAssignment assignment) {
            domains.put(assignment.getDomain(), bits.maskOf(assignment.getCategoryIds()));
        } else if (value == null && key != null) {
            domains.put(key, 0);
        }
    }

    private void onCatalogue(String key, SpecificRecord value) {
        if (!(value instanceof CategoryCatalogue update)) {
            return;
        }
        Map<String, String> names = new java.util.HashMap<>();
        Map<String, List<String>> members = new java.util.HashMap<>();
        List<String> security = new java.util.ArrayList<>();
        for (CategoryGroup group : update.getGroups()) {
            List<String> ids = new java.util.ArrayList<>();
            for (Category category : group.getCategories()) {
                bits.bitOf(category.getCategoryId());
                names.put(category.getCategoryId(), category.getName());
                ids.add(category.getCategoryId());
                if (category.getSecurity()) {
                    security.add(category.getCategoryId());
                }
            }
            members.put(group.getGroupId(), List.copyOf(ids));
        }
        catalogue = new Catalogue(Map.copyOf(names), Map.copyOf(members), List.copyOf(security));
        listeners.keySet().forEach(Runnable::run);
    }

    private void afterBatch() {
        long now = System.currentTimeMillis();
        int readThisBatch = readSinceRebuild - readAtLastBatch;
        readAtLastBatch = readSinceRebuild;
        // A short batch means the follower has read all there is for now.
        boolean caughtUp = readThisBatch < FULL_BATCH;
        if (readSinceRebuild > 0 && (caughtUp || now - lastRebuild >= REBUILD_EVERY_MS)) {
            index = domains.snapshot();
            readSinceRebuild = 0;
            readAtLastBatch = 0;
            lastRebuild = now;
        }
    }

    @Override
    protected boolean follows() {
        return !standalone;
    }

    @Override
    public TopicFollower follower() {
        return follower;
    }

    @Override
    protected void describe(Health.Builder builder) {
        builder.withDetail("categorisedDomains", index.size());
    }
}
