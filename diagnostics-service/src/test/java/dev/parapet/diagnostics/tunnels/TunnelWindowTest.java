package dev.parapet.diagnostics.tunnels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** A window remembers its distinct subdomains as hashes: the same counts and figures as a set of the names gives. */
class TunnelWindowTest {

    @Test
    void distinctSubdomainsAreCountedOnceThroughTheTablesGrowthAndTheFiguresAreThoseOfTheNames() {
        TunnelWindow window = new TunnelWindow();
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < 300; i++) {
            String subdomain = "x" + Integer.toString(i * 7919, 36) + ".t";
            window.add(subdomain, i % 3 == 0 ? "TXT" : "A");
            window.add(subdomain, "A"); // again: a query, not a new subdomain
            names.add(subdomain);
        }
        assertThat(window.distinctSubdomains()).isEqualTo(300);
        assertThat(window.queries()).isEqualTo(600);
        long characters = names.stream().mapToLong(n -> n.replace(".", "").length()).sum();
        assertThat(window.meanSubdomainLength()).isCloseTo((double) characters / 300, within(1e-9));
        assertThat(window.dataTypeShare()).isCloseTo(100.0 / 600, within(1e-9));
    }

    @Test
    void pastTheLimitSubdomainsAreQueriesOnly() {
        TunnelWindow window = new TunnelWindow();
        for (int i = 0; i < TunnelWindow.MAX_REMEMBERED + 100; i++) {
            window.add("n" + i, "NULL");
        }
        assertThat(window.distinctSubdomains()).isEqualTo(TunnelWindow.MAX_REMEMBERED);
        assertThat(window.queries()).isEqualTo(TunnelWindow.MAX_REMEMBERED + 100);
    }

    @Test
    void namesThatDifferOnlyInCaseOrOrderAreDistinct() {
        TunnelWindow window = new TunnelWindow();
        for (String name : new String[] {"ab", "ba", "AB", "a.b", "ab"}) {
            window.add(name, "A");
        }
        assertThat(window.distinctSubdomains()).isEqualTo(4);
        assertThat(TunnelWindow.hash("")).isNotZero();
    }
}
