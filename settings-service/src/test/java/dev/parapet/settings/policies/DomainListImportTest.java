package dev.parapet.settings.policies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.web.ErrorResponseException;

import dev.parapet.settings.policies.DomainListImport.Entry;
import dev.parapet.settings.policies.DomainListImport.Kind;
import dev.parapet.settings.policies.DomainListImport.Line;
import reactor.core.publisher.Flux;

class DomainListImportTest {

    private static final ListEntries BLOCKING = new ListEntries(Set.of(), ListEntries.Effect.BLOCK);

    private static DomainListImport.Result read(String body, ListEntries rules) {
        Flux<DataBuffer> bytes = body.isEmpty() ? Flux.empty()
                : Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(body.getBytes(StandardCharsets.UTF_8)));
        return DomainListImport.read(bytes, rules, 1_000).block();
    }

    private static DomainListImport.Result read(String body) {
        return read(body, BLOCKING);
    }

    private static List<Entry> entries(String line) {
        return DomainListImport.parse(line, BLOCKING).entries();
    }

    @Test
    void aComLineAndASingleLabelAreReportedAndTheOtherLinesKept() {
        DomainListImport.Result read = read("casino.example\ncom\nexample\nwww.casino.example\nco.uk\n");

        assertThat(read.domains()).containsExactly("casino.example", "www.casino.example");
        assertThat(read.rejectedCount()).isEqualTo(3);
        assertThat(read.rejected()).extracting(PolicyJson.ReportedLine::line).containsExactly(2L, 3L, 5L);
        assertThat(read.rejected().get(0)).isEqualTo(new PolicyJson.ReportedLine(2, "com",
                "is a public suffix (com): it would block every name under it; if that is meant, confirm it with confirmSuffix=com"));
        assertThat(read.rejected().get(1).reason()).startsWith("is a single label (example)");
    }

    @Test
    void aConfirmedSuffixIsKeptAndNamedInTheResultAndNothingElseIs() {
        DomainListImport.Result read = read("example\ncom\nsite.example\n", new ListEntries(Set.of("example"), ListEntries.Effect.BLOCK));

        assertThat(read.domains()).containsExactly("example", "site.example");
        assertThat(read.confirmedSuffixes()).containsExactly("example");
        assertThat(read.rejected()).extracting(PolicyJson.ReportedLine::text).containsExactly("com");
    }

    @Test
    void aPrivateSuffixIsKeptWithAWarningOnItsLine() {
        DomainListImport.Result read = read("# pages\ngithub.io\nfoo.github.io\n");

        assertThat(read.domains()).containsExactly("github.io", "foo.github.io");
        assertThat(read.warningCount()).isEqualTo(1);
        assertThat(read.warnings()).singleElement().satisfies(warning -> {
            assertThat(warning.line()).isEqualTo(2);
            assertThat(warning.reason()).contains("private section");
        });
        assertThat(read.rejectedCount()).isZero();
    }

    @Test
    void aHostsLineContributesEveryNameItCarries() {
        assertThat(entries("0.0.0.0 ads.example tracker.example # trackers")).containsExactly(
                new Entry.Kept("ads.example", ListEntries.Outcome.ACCEPTED, null),
                new Entry.Kept("tracker.example", ListEntries.Outcome.ACCEPTED, null));
        assertThat(entries("192.168.1.10\tnas.home.example")).containsExactly(
                new Entry.Kept("nas.home.example", ListEntries.Outcome.ACCEPTED, null));
        assertThat(entries("::  ads.example")).containsExactly(new Entry.Kept("ads.example", ListEntries.Outcome.ACCEPTED, null));
    }

    @Test
    void theMachinesOwnHostsEntriesAreSkippedNotRefused() {
        for (String line : List.of("127.0.0.1 localhost", "127.0.0.1\tlocalhost.localdomain", "255.255.255.255 broadcasthost",
                "::1 localhost ip6-localhost ip6-loopback", "fe00::0 ip6-localnet", "ff00::0 ip6-mcastprefix",
                "ff02::1 ip6-allnodes", "ff02::2 ip6-allrouters", "ff02::3 ip6-allhosts", "0.0.0.0 0.0.0.0",
                "0.0.0.0 LOCAL", "127.0.1.1 10.0.0.1", "0.0.0.0 ::1")) {
            assertThat(entries(line)).as(line).isNotEmpty().allSatisfy(entry -> assertThat(entry).isInstanceOf(Entry.Skipped.class));
        }
        assertThat(entries("127.0.0.1 localhost")).containsExactly(
                new Entry.Skipped("'localhost' is a hosts file's name for this machine or its network, not a site"));
        assertThat(entries("0.0.0.0 0.0.0.0")).containsExactly(new Entry.Skipped("'0.0.0.0' is an IP address, not a name"));
    }

    @Test
    void aHostsLineMayMixKeptSkippedAndRefusedNamesAndTheReasonNamesWhich() {
        List<Entry> entries = entries("0.0.0.0 localhost ads.example com bad..example");

        assertThat(entries).hasSize(4);
        assertThat(entries.get(0)).isInstanceOf(Entry.Skipped.class);
        assertThat(entries.get(1)).isEqualTo(new Entry.Kept("ads.example", ListEntries.Outcome.ACCEPTED, null));
        assertThat(entries.get(2)).isInstanceOfSatisfying(Entry.Refused.class,
                refused -> assertThat(refused.reason()).startsWith("'com' is a public suffix (com)"));
        assertThat(entries.get(3)).isInstanceOfSatisfying(Entry.Refused.class,
                refused -> assertThat(refused.reason()).isEqualTo("'bad..example' has an empty label"));
    }

    @Test
    void aLineThatIsNeitherANameNorAHostsLineIsRefused() {
        assertThat(entries("two words")).singleElement().isInstanceOf(Entry.Refused.class);
        assertThat(entries("0.0.0.0")).containsExactly(new Entry.Refused("is an IP address, not a domain name: lists match names"));
        assertThat(entries("::1")).containsExactly(new Entry.Refused("is an IP address, not a domain name: lists match names"));
        assertThat(entries("localhost")).as("outside a hosts line, a single label like any other")
                .singleElement().isInstanceOfSatisfying(Entry.Refused.class,
                        refused -> assertThat(refused.reason()).startsWith("is a single label (localhost)"));
    }

    @Test
    void blankLinesAndCommentsAreTold() {
        assertThat(DomainListImport.parse("   ", BLOCKING)).isEqualTo(new Line(Kind.BLANK, List.of()));
        assertThat(DomainListImport.parse("# title", BLOCKING).kind()).isEqualTo(Kind.COMMENT);
        assertThat(DomainListImport.parse("! adblock comment", BLOCKING).kind()).isEqualTo(Kind.COMMENT);
        assertThat(DomainListImport.parse("  # indented", BLOCKING).kind()).isEqualTo(Kind.COMMENT);
    }

    @Test
    void theReportAccountsForEveryLine() {
        DomainListImport.Result read = read("""
                # hosts
                127.0.0.1 localhost
                0.0.0.0 ads.example

                0.0.0.0 ads.example tracker.example
                com
                github.io
                """);

        assertThat(read.lines()).isEqualTo(7);
        assertThat(read.ignoredLines()).isEqualTo(2);
        assertThat(read.domains()).containsExactly("ads.example", "tracker.example", "github.io");
        assertThat(read.duplicates()).isEqualTo(1);
        assertThat(read.skipped()).extracting(PolicyJson.ReportedLine::line).containsExactly(2L);
        assertThat(read.rejected()).extracting(PolicyJson.ReportedLine::line).containsExactly(6L);
        assertThat(read.warnings()).extracting(PolicyJson.ReportedLine::line).containsExactly(7L);
    }

    @Test
    void aBodyWithNoNameAndNoCommentIsRefusedAsEmpty() {
        for (String body : List.of("", "\n", "  \n\t\n\n")) {
            assertThatThrownBy(() -> read(body)).as("'%s'", body).isInstanceOfSatisfying(ErrorResponseException.class, problem -> {
                assertThat(problem.getStatusCode().value()).isEqualTo(400);
                assertThat(problem.getBody().getDetail()).isEqualTo("The body is empty: send the list as text/plain, one domain per line.");
            });
        }
        assertThat(read("# nothing listed today\n").domains()).as("a list with only its header is a list").isEmpty();
        assertThat(read("not a domain\n").rejectedCount()).as("a list of bad lines is not empty").isEqualTo(1);
    }

    /** Random lines of list-like characters: never an exception, every line accounted for, nothing kept that is too broad. */
    @Test
    void randomLinesAreAlwaysAccountedForAndNeverKeepASuffix() {
        Random random = new Random(14);
        String alphabet = "abc.-_0123456789:# \t!comuk";
        for (int run = 0; run < 1_000; run++) {
            DomainListImport.Result read = new DomainListImport.Result(BLOCKING, 1_000);
            int lines = 1 + random.nextInt(8);
            long withNames = 0;
            StringBuilder body = new StringBuilder();
            for (int i = 0; i < lines; i++) {
                StringBuilder line = new StringBuilder();
                int length = random.nextInt(24);
                for (int c = 0; c < length; c++) {
                    line.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
                body.append(line).append('\n');
                read.line(line.toString());
                withNames += DomainListImport.parse(line.toString(), BLOCKING).kind() == Kind.NAMES ? 1 : 0;
            }
            assertThat(read.lines()).isEqualTo(lines);
            assertThat(read.ignoredLines()).as(body::toString).isEqualTo(lines - withNames);
            for (String domain : read.domains()) {
                assertThat(BLOCKING.check(domain).outcome()).as(body::toString).isIn(ListEntries.Outcome.ACCEPTED, ListEntries.Outcome.WARNED);
                assertThat(domain).as(body::toString).contains(".");
            }
        }
    }
}
