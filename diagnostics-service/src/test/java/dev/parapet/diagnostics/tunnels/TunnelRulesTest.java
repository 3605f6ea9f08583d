package dev.parapet.diagnostics.tunnels;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * A minute of one client's queries under one registered domain, as tunnels and as ordinary heavy traffic send them:
 * the tunnels must be found and the heavy but ordinary traffic must not.
 */
class TunnelRulesTest {

    private final TunnelRules rules = TunnelRules.DEFAULT;
    private final Random random = new Random(42);

    @Test
    void iodinesUpstreamIsATunnel() {
        // iodine: a command letter, a sequence, then the data in base32 in labels of up to 63, under its tunnel domain;
        // NULL records by default; about 10 queries a second while data flows.
        TunnelWindow window = new TunnelWindow();
        for (int i = 0; i < 600; i++) {
            window.add(iodineName(i), "NULL");
        }
        TunnelRules.Judgement judgement = rules.judge(window);
        assertThat(judgement.tunnel()).isTrue();
        assertThat(judgement.reasons()).anyMatch(reason -> reason.contains("distinct subdomains"))
                .anyMatch(reason -> reason.contains("data-carrying"));
    }

    @Test
    void dnscat2sHexOverTxtIsATunnel() {
        TunnelWindow window = new TunnelWindow();
        for (int i = 0; i < 120; i++) {
            byte[] data = new byte[random.nextInt(20, 60)];
            random.nextBytes(data);
            String hex = HexFormat.of().formatHex(data);
            window.add(split(hex, 63) + ".dnscat", i % 3 == 0 ? "CNAME" : "TXT");
        }
        assertThat(rules.judge(window).tunnel()).isTrue();
    }

    @Test
    void exfiltrationInAddressQueriesIsATunnelToo() {
        // Data in the names of ordinary A queries (DNSExfiltrator-style base64url), no telling record type.
        TunnelWindow window = new TunnelWindow();
        for (int i = 0; i < 60; i++) {
            byte[] data = new byte[30];
            random.nextBytes(data);
            window.add(Base64.getUrlEncoder().withoutPadding().encodeToString(data).toLowerCase() + ".x", "A");
        }
        assertThat(rules.judge(window).tunnel()).isTrue();
    }

    @Test
    void randomLettersWithoutDigitsAreATunnelByTheirEntropyAlone() {
        TunnelWindow window = new TunnelWindow();
        for (int i = 0; i < 40; i++) {
            StringBuilder letters = new StringBuilder();
            for (int c = 0; c < 40; c++) {
                letters.append((char) ('a' + random.nextInt(26)));
            }
            window.add(letters + ".q", "A");
        }
        assertThat(window.digitShare()).isZero();
        assertThat(rules.judge(window).tunnel()).isTrue();
    }

    @Test
    void aVideoCdnsManyShortHostNamesAreNot() {
        // rr3---sn-4g5e6nsz.googlevideo.com: a player asks a few dozen such names a minute.
        TunnelWindow window = new TunnelWindow();
        for (int i = 0; i < 90; i++) {
            window.add("rr" + (i % 20) + "---sn-" + alphanumeric(8), "A");
            window.add("rr" + (i % 20) + "---sn-" + alphanumeric(8), "AAAA");
        }
        assertThat(rules.judge(window).tunnel()).isFalse();
    }

    @Test
    void aBusyClientAskingTheSameNamesAgainIsNot() {
        TunnelWindow window = new TunnelWindow();
        String[] names = {"www", "api", "static", "img", "login", "cdn", "ads", "metrics"};
        for (int i = 0; i < 10_000; i++) {
            window.add(names[i % names.length], i % 2 == 0 ? "A" : "HTTPS");
        }
        assertThat(rules.judge(window).tunnel()).isFalse();
    }

    @Test
    void reputationLookupsAndMailChecksAreNot() {
        // A mail server asking a DNS block list (reversed addresses) and SPF/DMARC TXT records: many distinct, short.
        TunnelWindow blockList = new TunnelWindow();
        for (int i = 0; i < 400; i++) {
            blockList.add(random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256)
                    + ".zen", "A");
        }
        assertThat(rules.judge(blockList).tunnel()).isFalse();
        TunnelWindow mail = new TunnelWindow();
        for (int i = 0; i < 100; i++) {
            mail.add("_dmarc.mail" + i, "TXT");
            mail.add("selector" + (i % 3) + "._domainkey.mail" + i, "TXT");
        }
        assertThat(rules.judge(mail).tunnel()).isFalse();
    }

    @Test
    void longWordLikeNamesOfAHostingProviderAreNot() {
        // Word-like customer subdomains of a hosting provider, long but low in entropy.
        String[] words = {"secure", "login", "account", "update", "service", "online", "banking", "verify", "customer", "support"};
        TunnelWindow window = new TunnelWindow();
        for (int i = 0; i < 200; i++) {
            window.add(words[random.nextInt(words.length)] + "-" + words[random.nextInt(words.length)] + "-"
                    + words[random.nextInt(words.length)] + "-" + words[random.nextInt(words.length)], "A");
        }
        assertThat(window.meanSubdomainLength()).isGreaterThan(TunnelRules.DEFAULT.minMeanLength());
        assertThat(window.entropyBitsPerCharacter()).isGreaterThan(TunnelRules.DEFAULT.minEntropy());
        assertThat(rules.judge(window).tunnel()).isFalse();
    }

    @Test
    void fewerDistinctNamesThanTheThresholdAreNotJudged() {
        TunnelWindow window = new TunnelWindow();
        for (int i = 0; i < rules.minDistinct() - 1; i++) {
            window.add(iodineName(i), "NULL");
        }
        assertThat(rules.judge(window).tunnel()).isFalse();
        window.add(iodineName(10_000), "NULL");
        assertThat(rules.judge(window).tunnel()).isTrue();
    }

    @Test
    void theWindowRemembersABoundedNumberOfNames() {
        TunnelWindow window = new TunnelWindow();
        for (int i = 0; i < 10 * TunnelWindow.MAX_REMEMBERED; i++) {
            window.add(iodineName(i), "NULL");
        }
        assertThat(window.distinctSubdomains()).isEqualTo(TunnelWindow.MAX_REMEMBERED);
        assertThat(window.queries()).isEqualTo(10L * TunnelWindow.MAX_REMEMBERED);
        assertThat(rules.judge(window).reasons().get(0)).startsWith(TunnelWindow.MAX_REMEMBERED + " or more");
    }

    private String iodineName(int sequence) {
        StringBuilder data = new StringBuilder();
        int length = random.nextInt(100, 200);
        String base32 = "abcdefghijklmnopqrstuvwxyz012345";
        for (int i = 0; i < length; i++) {
            data.append(base32.charAt(random.nextInt(32)));
        }
        return split("p" + Integer.toString(sequence, 36) + data, 63) + ".t";
    }

    private String alphanumeric(int length) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            text.append("abcdefghijklmnopqrstuvwxyz0123456789".charAt(random.nextInt(36)));
        }
        return text.toString();
    }

    private static String split(String text, int label) {
        StringBuilder name = new StringBuilder();
        for (int i = 0; i < text.length(); i += label) {
            if (i > 0) {
                name.append('.');
            }
            name.append(text, i, Math.min(text.length(), i + label));
        }
        return name.toString();
    }
}
