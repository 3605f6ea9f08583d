package dev.parapet.diagnostics.tunnels;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

/**
 * The detector over real iodine traffic: the queries a Debian iodine 0.7.0 client sent to iodined while it set up a
 * tunnel through {@code t.tunnel.test} and carried 2 x 8 KiB each way through it, replayed as one client at the
 * capture's own pace (resources/tunnels/iodine-0.7.0.tsv; capture-iodine beside it makes it again).
 *
 * <p>iodine first shakes hands (version, login, the case and 8-bit checks of its encodings, then a downstream
 * fragment size probe at one query a second): some 25 distinct names, too few to judge. Its data follow: each query
 * begins with the user's number ({@code 0}, the only user) and carries up to ~200 bytes in Base128, which the
 * resolver shows as {@code \DDD} escapes. The first burst of data makes the 30th distinct name. Those escapes
 * make the names about 60% digits at about 4 bits a character: judged encoded by the digits rule, not by the
 * letters' entropy alone. An idle tunnel's pings, after its first minute, are not found.
 */
class IodineCaptureTest {

    private static final UUID ACCOUNT = UUID.randomUUID();
    /** The replay's first query, at the start of a minute so that the capture's first minute is one window. */
    private static final Instant START = Instant.parse("2026-12-04T10:00:00Z");
    private static final TunnelDetector.Client CLIENT = new TunnelDetector.Client(null, null, "10.53.53.2");

    private record Query(long millis, String type, String name) {

        /** iodine's data queries begin with the user's number in hex; everything before the first is its handshake. */
        boolean data() {
            return name.charAt(0) == '0';
        }
    }

    private static final List<Query> CAPTURE = load("/tunnels/iodine-0.7.0.tsv");

    @Test
    void theCaptureIsIodinesHandshakeThenItsData() {
        assertThat(CAPTURE).hasSizeGreaterThan(100).allMatch(q -> q.name().endsWith(".t.tunnel.test")).allMatch(q -> q.type().equals("NULL"));
        int firstData = firstDataIndex();
        assertThat(firstData).as("a handshake before the data").isGreaterThan(10);
        Set<String> handshake = distinctLongNames(CAPTURE.subList(0, firstData));
        assertThat(handshake).as("the handshake's distinct names the detector looks at: fewer than it judges").hasSizeLessThan(30);
        assertThat(CAPTURE.get(firstData).millis()).as("the handshake, probing fragment sizes at one query a second, takes seconds")
                .isGreaterThan(5_000);
    }

    @Test
    void iodineIsFoundUnderItsRegisteredDomainAtItsFirstDataBurst() {
        List<TunnelDetector.Suspicion> found = replay(CAPTURE, START);
        assertThat(found).as("one report: the capture is less than a minute long").hasSize(1);
        TunnelDetector.Suspicion suspicion = found.get(0);
        assertThat(suspicion.registeredDomain()).isEqualTo("tunnel.test");
        assertThat(suspicion.client()).isEqualTo(CLIENT);
        assertThat(suspicion.minute()).isEqualTo(START);
        assertThat(suspicion.distinctSubdomains()).isEqualTo(30);
        assertThat(suspicion.examples()).hasSize(3).allMatch(name -> name.endsWith(".t.tunnel.test"));
        assertThat(suspicion.reasons()).anyMatch(reason -> reason.contains("100% asked for data-carrying types"));

        Duration delay = Duration.between(START, suspicion.at());
        long firstData = CAPTURE.get(firstDataIndex()).millis();
        long firstBurst = firstBurstMillis();
        System.out.printf("iodine 0.7.0 found %d ms after its first query (its first data query at %d ms, its first burst of data at %d ms): %s%n",
                delay.toMillis(), firstData, firstBurst, suspicion.reasons());
        assertThat(delay).as("found within the first burst of data, not during the handshake")
                .isBetween(Duration.ofMillis(firstBurst), Duration.ofMillis(firstBurst + 1_000));
        assertThat(delay).as("the detection delay at iodine's own pace").isLessThan(Duration.ofSeconds(12));
    }

    @Test
    void itsHandshakeAloneIsWhatDelaysIt() {
        assertThat(replay(CAPTURE.subList(0, firstDataIndex()), START)).as("the handshake alone").isEmpty();
        List<TunnelDetector.Suspicion> dataOnly = replay(CAPTURE.stream().filter(Query::data).toList(), START);
        assertThat(dataOnly).hasSize(1);
        Duration dataAlone = Duration.between(START, dataOnly.get(0).at());
        assertThat(dataAlone).as("the data alone are found within their first burst too")
                .isBetween(Duration.ofMillis(firstBurstMillis()), Duration.ofMillis(firstBurstMillis() + 1_000));
        assertThat(Duration.between(START, replay(CAPTURE, START).get(0).at())).as("the handshake's names only bring it forward")
                .isLessThanOrEqualTo(dataAlone);
    }

    @Test
    void withoutDataItsHandshakeAndPingsAreFoundInTheFirstMinuteOnly() {
        // No data: the handshake's 25 or so long names and iodine's pings make 30 distinct names within the first minute.
        List<Query> idle = CAPTURE.stream().filter(Predicate.not(Query::data)).toList();
        assertThat(replay(idle, START)).hasSize(1);
        // After it, an idle tunnel only pings: one query every 4 s (lazy mode), 15 distinct names a minute, each
        // "p" and 7 characters of base32 under t.: fewer than 30 a minute and 10 characters, shorter than 24 on average.
        long lastData = CAPTURE.stream().filter(Query::data).mapToLong(Query::millis).max().orElseThrow();
        List<Query> pings = idle.stream().filter(q -> q.millis() > lastData && q.name().charAt(0) == 'p').toList();
        assertThat(pings).hasSizeGreaterThan(5);
        long meanInterval = (pings.get(pings.size() - 1).millis() - pings.get(0).millis()) / (pings.size() - 1);
        assertThat(meanInterval).as("ms between the idle tunnel's pings").isBetween(3_000L, 5_000L);
        assertThat(pings).allMatch(q -> RegisteredDomain.of(q.name()).subdomain().length() < TunnelRules.DEFAULT.minMeanLength());
    }

    @Test
    void itsFirst29DistinctNamesAreNotFlagged() {
        List<Query> first29 = new ArrayList<>();
        Set<String> distinct = new HashSet<>();
        for (Query query : CAPTURE) {
            if (query.name().length() >= TunnelDetector.MIN_NAME_LENGTH && !distinct.contains(query.name()) && distinct.size() == 29) {
                break;
            }
            first29.add(query);
            if (query.name().length() >= TunnelDetector.MIN_NAME_LENGTH) {
                distinct.add(query.name());
            }
        }
        assertThat(distinct).hasSize(29);
        assertThat(first29).as("the 29 include data queries, not only the handshake").anyMatch(Query::data);
        assertThat(replay(first29, START)).isEmpty();
    }

    @Test
    void itIsFoundWhereverItsMinutesBegin() {
        // The windows are the clock's minutes: a minute may begin anywhere in the capture. Only where it begins
        // relative to the queries matters, so it is tried at each query's time and a millisecond after.
        long latest = 0;
        for (Query query : CAPTURE) {
            for (long boundary = query.millis(); boundary <= query.millis() + 1; boundary++) {
                Instant start = START.plusMillis(Math.floorMod(-boundary, TunnelDetector.MINUTE));
                List<TunnelDetector.Suspicion> found = replay(CAPTURE, start);
                assertThat(found).as("a minute beginning %d ms into the capture", boundary).isNotEmpty();
                latest = Math.max(latest, Duration.between(start, found.get(0).at()).toMillis());
            }
        }
        System.out.printf("iodine 0.7.0 found at most %d ms after its first query, wherever the minute begins%n", latest);
        assertThat(latest).as("a minute beginning within the first burst of data leaves it enough names").isLessThan(12_000);
    }

    private static List<TunnelDetector.Suspicion> replay(List<Query> queries, Instant start) {
        TunnelDetector detector = new TunnelDetector(TunnelRules.DEFAULT);
        List<TunnelDetector.Suspicion> found = new ArrayList<>();
        for (Query query : queries) {
            detector.observe(ACCOUNT, CLIENT, query.name(), query.type(), start.plusMillis(query.millis())).ifPresent(found::add);
        }
        return found;
    }

    private static int firstDataIndex() {
        for (int i = 0; i < CAPTURE.size(); i++) {
            if (CAPTURE.get(i).data()) {
                return i;
            }
        }
        throw new AssertionError("no data query in the capture");
    }

    /** When the first second with ten or more data queries begins: the first transfer. */
    private static long firstBurstMillis() {
        List<Query> data = CAPTURE.stream().filter(Query::data).toList();
        for (int i = 0; i + 9 < data.size(); i++) {
            if (data.get(i + 9).millis() - data.get(i).millis() < 1_000) {
                return data.get(i).millis();
            }
        }
        throw new AssertionError("no burst of data in the capture");
    }

    private static Set<String> distinctLongNames(List<Query> queries) {
        Set<String> names = new HashSet<>();
        queries.stream().filter(q -> q.name().length() >= TunnelDetector.MIN_NAME_LENGTH).forEach(q -> names.add(q.name()));
        return names;
    }

    private static List<Query> load(String resource) {
        try (InputStream in = IodineCaptureTest.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing");
            }
            List<Query> queries = new ArrayList<>();
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] columns = line.split("\t", 3);
                queries.add(new Query(Long.parseLong(columns[0]), columns[1], columns[2]));
            }
            return List.copyOf(queries);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
