package dev.parapet.settings.categories;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.parapet.schemas.v1.categories.Category;
import dev.parapet.schemas.v1.categories.CategoryCatalogue;
import dev.parapet.schemas.v1.categories.CategoryGroup;

/**
 * The category catalogue that Parapet ships: the categories the reference feeds in
 * demo feeds ({@code demo/feeds/}) cover, plus malware, gambling and the usual productivity
 * categories. Changing it here publishes a new version at the next start of settings-service.
 */
public final class CategoryCatalogueDefinition {

    /** Which shipped block list feeds which category (file name without .txt to category id). */
    public static final Map<String, String> SHARED_FEEDS = Map.of(
            "phishing", "phishing", "ransomware", "ransomware", "scam", "scam", "crypto", "cryptomining",
            "drugs", "drugs", "piracy", "piracy", "torrent", "p2p");

    private static final List<CategoryGroup> GROUPS = List.of(
            group("security", "Security threats", "Sites that attack the user or the device.",
                    category("phishing", "Phishing", "Sites that steal credentials by imitating others.", true),
                    category("malware", "Malware", "Sites that distribute or control malicious software.", true),
                    category("ransomware", "Ransomware", "Ransomware distribution and command-and-control.", true),
                    category("scam", "Scam", "Fraudulent shops, fake support and other scams.", true),
                    category("cryptomining", "Cryptomining", "In-browser cryptocurrency mining and crypto scams.", true),
                    category("anonymizers", "Anonymizers", "Web proxies and services that hide where traffic goes.", false)),
            group("legal-liability", "Legal liability", "Sites an organisation may be liable for.",
                    category("drugs", "Drugs", "Sale and promotion of illegal drugs.", false),
                    category("gambling", "Gambling", "Online betting and casinos.", false),
                    category("piracy", "Piracy", "Illegal streaming and downloads.", false),
                    category("p2p", "Peer to peer", "Torrent trackers and peer-to-peer file sharing.", false)),
            group("productivity", "Productivity", "Sites that cost working time or bandwidth.",
                    category("social-networking", "Social networking", "Social networks and messaging.", false),
                    category("streaming-media", "Streaming media", "Video and music streaming.", false),
                    category("games", "Games", "Online games.", false)));

    private CategoryCatalogueDefinition() {
    }

    public static List<CategoryGroup> groups() {
        return GROUPS;
    }

    public static CategoryCatalogue catalogue(long version, Instant now) {
        return new CategoryCatalogue(version, GROUPS, now);
    }

    public static boolean exists(String categoryId) {
        return GROUPS.stream().flatMap(group -> group.getCategories().stream()).anyMatch(c -> c.getCategoryId().equals(categoryId));
    }

    private static CategoryGroup group(String id, String name, String description, Category... categories) {
        return new CategoryGroup(id, name, description, List.of(categories));
    }

    private static Category category(String id, String name, String description, boolean security) {
        return new Category(id, name, description, security);
    }
}
