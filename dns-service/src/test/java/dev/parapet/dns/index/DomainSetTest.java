package dev.parapet.dns.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

class DomainSetTest {

    @Test
    void aListedDomainCoversItselfAndEverySubdomainButNotItsParentsOrLookAlikes() {
        DomainSet set = DomainSet.of("casino.example", "ads.tracker.example", "xn--bcher-kva.example");
        assertThat(set.coversName("casino.example")).isTrue();
        assertThat(set.coversName("www.casino.example")).isTrue();
        assertThat(set.coversName("a.b.c.casino.example")).isTrue();
        assertThat(set.coversName("WWW.Casino.EXAMPLE")).as("DNS names are case-insensitive").isTrue();
        assertThat(set.coversName("xn--bcher-kva.example")).isTrue();
        assertThat(set.coversName("example")).isFalse();
        assertThat(set.coversName("tracker.example")).isFalse();
        assertThat(set.coversName("notcasino.example")).isFalse();
        assertThat(set.coversName("casino.example.com")).isFalse();
        assertThat(set.coversName("")).isFalse();
    }

    @Test
    void theMostSpecificListedDomainIsFoundFirst() {
        DomainSet set = DomainSet.of("example", "news.example");
        byte[] name = "a.news.example".getBytes(StandardCharsets.US_ASCII);
        assertThat(set.match(name, 0, name.length)).isEqualTo(2);
        byte[] other = "a.shop.example".getBytes(StandardCharsets.US_ASCII);
        assertThat(set.match(other, 0, other.length)).isEqualTo(7);
    }

    @Test
    void duplicatesAreStoredOnceAndTheSetAgreesWithAHashSetOnRandomNames() {
        Random random = new Random(7);
        Set<String> reference = new HashSet<>();
        DomainSet.Builder builder = DomainSet.builder(10);
        for (int i = 0; i < 50_000; i++) {
            String name = "n" + random.nextInt(30_000) + "." + (char) ('a' + random.nextInt(26)) + ".example";
            assertThat(builder.add(name)).isEqualTo(reference.add(name));
        }
        DomainSet set = builder.build();
        assertThat(set.size()).isEqualTo(reference.size());
        for (int i = 0; i < 50_000; i++) {
            String name = "n" + random.nextInt(40_000) + "." + (char) ('a' + random.nextInt(26)) + ".example";
            assertThat(set.coversName(name)).as(name).isEqualTo(reference.contains(name));
        }
    }

    @Test
    void aMillionDomainsTakeUnderThirtyTwoBytesEach() {
        DomainSet.Builder builder = DomainSet.builder(1_000_000);
        for (int i = 0; i < 1_000_000; i++) {
            builder.add("site-" + i + ".blocked-" + (i % 977) + ".example");
        }
        DomainSet set = builder.build();
        assertThat(set.size()).isEqualTo(1_000_000);
        assertThat(set.footprintBytes() / (double) set.size()).isLessThan(32.0);
        assertThat(set.coversName("www.site-999999.blocked-" + (999_999 % 977) + ".example")).isTrue();
        assertThat(set.coversName("site-999999.blocked-0.example")).isFalse();
    }

    @Test
    void theFingerprintIsSipHash24AsPublished() {
        // Reference vectors of SipHash-2-4 (Aumasson and Bernstein): key 00 01 .. 0f, messages 00 01 .. (n-1).
        long k0 = 0x0706050403020100L;
        long k1 = 0x0f0e0d0c0b0a0908L;
        byte[] message = new byte[15];
        for (int i = 0; i < message.length; i++) {
            message[i] = (byte) i;
        }
        assertThat(DomainSet.sipHash24(k0, k1, message, 0, 0)).isEqualTo(0x726fdb47dd0e0e31L);
        assertThat(DomainSet.sipHash24(k0, k1, message, 0, 1)).isEqualTo(0x74f839c593dc67fdL);
        assertThat(DomainSet.sipHash24(k0, k1, message, 0, 8)).isEqualTo(0x93f5f5799a932462L);
        assertThat(DomainSet.sipHash24(k0, k1, message, 0, 15)).isEqualTo(0xa129ca6149be45e5L);
    }
}
