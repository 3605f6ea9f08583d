package dev.parapet.diagnostics.tunnels;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import dev.parapet.diagnostics.devices.FindingCode;
import dev.parapet.diagnostics.devices.FindingEvents;
import dev.parapet.schemas.v1.tunnels.TunnelDetection;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;

/**
 * DNS tunnels in the verdicts (keyed by account): a {@link TunnelDetector} per task fills its minute windows, and each
 * window it judges a tunnel becomes or extends a {@link TunnelFinding} in the {@link #STORE} (one write per client,
 * domain and minute, never per query), announced on the live streams ({@link FindingEvents}, as the devices'
 * findings are) when it is new or back after it had cleared. A wall-clock check every {@link #CHECK} closes
 * old windows; every {@link #SWEEP} the findings with no suspicious minute for {@link TunnelFinding#ACTIVE} are
 * announced cleared, and those older than {@link #KEPT} are forgotten.
 *
 * <p>It also says which registered domains are being tunnelled through, per account, on
 * {@code parapet.tunnel-detections.v1} (keyed {@code accountId/registeredDomain}, written in the same transaction as
 * the findings), for dns-service to block where the account asks it to: a record when a client's finding is raised,
 * again at most every {@link #REPUBLISH} while it goes on (so that the record's last minute stays current), and a
 * tombstone once no client's finding through the domain is active.
 *
 * <p>The windows live in memory: after a restart or a rebalance a tunnel's current minute starts again (it is
 * found within its next 30 names), while its findings, in the store, are kept exactly once with the verdicts' offsets.
 */
public final class TunnelProcessor implements Processor<String, DnsVerdict, String, TunnelDetection> {

    public static final String STORE = "tunnel-findings";
    static final Duration CHECK = Duration.ofSeconds(15);
    static final Duration SWEEP = Duration.ofMinutes(1);
    public static final Duration KEPT = Duration.ofDays(30);
    /** How often an ongoing detection's record is written again, so that its last minute stays current for dns-service. */
    static final Duration REPUBLISH = Duration.ofMinutes(1);

    private final TunnelDetector detector;
    private final FindingEvents events;
    private KeyValueStore<String, TunnelFinding> findings;
    private ProcessorContext<String, TunnelDetection> context;
    /** When each detection's record was last written, by its key (forgotten on restart: the next minute writes it again). */
    private final Map<String, Instant> written = new HashMap<>();
    private long lastSweep;

    public TunnelProcessor(TunnelRules rules, FindingEvents events) {
        this.detector = new TunnelDetector(rules);
        this.events = events;
    }

    @Override
    public void init(ProcessorContext<String, TunnelDetection> context) {
        this.context = context;
        findings = context.getStateStore(STORE);
        context.schedule(CHECK, PunctuationType.WALL_CLOCK_TIME, now -> check(Instant.ofEpochMilli(now)));
    }

    @Override
    public void process(Record<String, DnsVerdict> record) {
        DnsVerdict verdict = record.value();
        if (verdict == null || verdict.getQueryName().length() < TunnelDetector.MIN_NAME_LENGTH) {
            return;
        }
        TunnelDetector.Client client = new TunnelDetector.Client(verdict.getAgentId(), verdict.getUserEmail(), verdict.getClientAddress());
        detector.observe(verdict.getAccountId(), client, verdict.getQueryName(), verdict.getQueryType(), verdict.getOccurredAt())
                .ifPresent(this::found);
    }

    private void found(TunnelDetector.Suspicion suspicion) {
        String key = TunnelFinding.key(suspicion.accountId(), suspicion.client(), suspicion.registeredDomain());
        TunnelFinding before = findings.get(key);
        boolean announce = before == null || before.cleared() || !before.activeAt(suspicion.at());
        TunnelFinding after = announce ? TunnelFinding.of(suspicion) : before.and(suspicion);
        findings.put(key, after);
        if (announce) {
            publish(after, true, suspicion.at());
        }
        String detection = detectionKey(after);
        Instant last = written.get(detection);
        if (announce || last == null || !suspicion.at().isBefore(last.plus(REPUBLISH))) {
            written.put(detection, suspicion.at());
            context.forward(new Record<>(detection, TunnelDetection.newBuilder().setAccountId(after.accountId())
                    .setRegisteredDomain(after.registeredDomain()).setFirstSeen(after.firstSeen()).setLastSeen(after.lastSeen())
                    .setActiveMillis(TunnelFinding.ACTIVE.toMillis()).setReasons(after.reasons()).setLastClient(after.who())
                    .build(), suspicion.at().toEpochMilli()));
        }
    }

    private static String detectionKey(TunnelFinding finding) {
        return finding.accountId() + "/" + finding.registeredDomain();
    }

    /** A tombstone for each domain whose findings just cleared, unless another client's finding through it is active. */
    private void endDetections(List<TunnelFinding> cleared, Instant now) {
        Map<String, TunnelFinding> ended = new HashMap<>();
        cleared.forEach(finding -> ended.putIfAbsent(detectionKey(finding), finding));
        for (Map.Entry<String, TunnelFinding> entry : ended.entrySet()) {
            String domain = entry.getValue().registeredDomain();
            boolean stillActive = false;
            try (KeyValueIterator<String, TunnelFinding> ofAccount = findings.prefixScan(entry.getValue().accountId() + "/",
                    new org.apache.kafka.common.serialization.StringSerializer())) {
                while (!stillActive && ofAccount.hasNext()) {
                    TunnelFinding other = ofAccount.next().value;
                    stillActive = other != null && other.registeredDomain().equals(domain) && !other.cleared() && other.activeAt(now);
                }
            }
            if (!stillActive) {
                written.remove(entry.getKey());
                context.forward(new Record<>(entry.getKey(), (TunnelDetection) null, now.toEpochMilli()));
            }
        }
    }

    private void check(Instant now) {
        detector.expire(now);
        if (now.toEpochMilli() - lastSweep < SWEEP.toMillis()) {
            return;
        }
        lastSweep = now.toEpochMilli();
        List<KeyValue<String, TunnelFinding>> changed = new ArrayList<>();
        try (KeyValueIterator<String, TunnelFinding> all = findings.all()) {
            all.forEachRemaining(entry -> {
                TunnelFinding finding = entry.value;
                if (finding != null && finding.lastSeen().plus(KEPT).isBefore(now)) {
                    changed.add(KeyValue.pair(entry.key, null));
                } else if (finding != null && !finding.cleared() && !finding.activeAt(now)) {
                    changed.add(KeyValue.pair(entry.key, finding.clearedNow()));
                }
            });
        }
        List<TunnelFinding> cleared = new ArrayList<>();
        for (KeyValue<String, TunnelFinding> change : changed) {
            if (change.value == null) {
                findings.delete(change.key);
            } else {
                findings.put(change.key, change.value);
                publish(change.value, false, now);
                cleared.add(change.value);
            }
        }
        endDetections(cleared, now);
    }

    private void publish(TunnelFinding finding, boolean raised, Instant at) {
        events.publish(new FindingEvents.FindingEvent(finding.accountId(), finding.agentId(), finding.who(), FindingCode.DNS_TUNNEL,
                "DNS tunnel suspected through " + finding.registeredDomain() + ": " + String.join("; ", finding.reasons()), raised, at));
    }
}
