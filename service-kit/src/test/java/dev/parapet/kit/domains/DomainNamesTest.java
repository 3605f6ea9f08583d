package dev.parapet.kit.domains;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

import org.junit.jupiter.api.Test;

class DomainNamesTest {

    private static String ok(String input) {
        return DomainNames.normalise(input).domain().orElseThrow(() ->
                new AssertionError(input + ": " + DomainNames.normalise(input).error()));
    }

    private static String refused(String input) {
        return DomainNames.normalise(input).error().orElseThrow(() -> new AssertionError(input + " was accepted"));
    }

    @Test
    void caseTrailingDotAndSpacesAreNormalisedAway() {
        assertThat(ok("  WWW.Example.COM. ")).isEqualTo("www.example.com");
    }

    @Test
    void internationalisedNamesBecomePunycode() {
        assertThat(ok("bücher.example")).isEqualTo("xn--bcher-kva.example");
        assertThat(ok("xn--bcher-kva.example")).isEqualTo("xn--bcher-kva.example");
    }

    /** UTS #46 non-transitional, as browsers ask: IDNA 2003 would map ß to ss and never match a browser's query. */
    @Test
    void sharpSAndOtherDeviationCharactersAreKeptAsBrowsersKeepThem() {
        assertThat(ok("faß.example")).isEqualTo("xn--fa-hia.example");
        assertThat(ok("FAß.Example.")).isEqualTo("xn--fa-hia.example");
        assertThat(ok("βόλος.example")).isEqualTo("xn--nxasmm1c.example");
    }

    @Test
    void upperCaseFullWidthAndIdeographicDotsAreMapped() {
        assertThat(ok("BÜCHER.example")).isEqualTo("xn--bcher-kva.example");
        assertThat(ok("ＢＵＣＨ.ｅｘａｍｐｌｅ")).isEqualTo("buch.example");
        assertThat(ok("bücher\u3002example")).isEqualTo("xn--bcher-kva.example");
    }

    @Test
    void invalidInternationalisedNamesAreRefused() {
        assertThat(refused("a\u200db.example")).isNotEmpty(); // a joiner out of context (CONTEXTJ)
        assertThat(refused("ü" + "x".repeat(63) + ".example")).contains("63");
        assertThat(refused("bü\u0000cher.example")).isNotEmpty();
        assertThat(refused("-bücher.example")).isNotEmpty();
    }

    @Test
    void badNamesAreRefusedWithAReason() {
        assertThat(refused("")).isEqualTo("empty");
        assertThat(refused("a..b")).contains("empty label");
        assertThat(refused("-bad.example")).contains("inner '-'");
        assertThat(refused("x".repeat(64) + ".example")).contains("63");
        assertThat(refused(("a".repeat(60) + ".").repeat(5) + "com")).contains("253");
        assertThat(refused("exa mple.com")).isNotEmpty();
        assertThat(refused("http://example.com/")).isNotEmpty();
    }

    @Test
    void realListOddities_numericLabelsAndUnderscores_areKept() {
        assertThat(ok("123.45.example")).isEqualTo("123.45.example");
        assertThat(ok("_dmarc.example.com")).isEqualTo("_dmarc.example.com");
    }

    @Test
    void normalisingIsIdempotentAndNeverThrowsOnRandomInput() {
        Random random = new Random(42);
        String alphabet = "abcXYZ019-_.. üé\u0000\u200b/:";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder input = new StringBuilder();
            for (int j = random.nextInt(40); j > 0; j--) {
                input.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            DomainNames.Result result = DomainNames.normalise(input.toString());
            assertThat(result.domain().isPresent()).isNotEqualTo(result.error().isPresent());
            result.domain().ifPresent(domain -> assertThat(ok(domain)).isEqualTo(domain));
        }
    }
}
