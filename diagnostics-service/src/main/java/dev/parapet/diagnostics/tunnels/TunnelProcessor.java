package dev.parapet.diagnostics.tunnels;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import dev.parapet.diagnostics.devices.FindingCode;
import dev.parapet.diagnostics.devices.FindingEvents;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;

/**
 * DNS tunnels in the verdicts (keyed by account): a {@link TunnelDetector} per task fills its minute windows, and each
 * window it judges a tunnel becomes or extends a {@link TunnelFinding} in the {@link #STORE} (one write per client,
 * domain and minute, never per query), announced on the live streams ({@link FindingEvents}, as the devices'
 * findings are) when it is new or back after it had cleared. A wall-clock check every {@link #CHECK} closes
 * old windows; every {@link #SWEEP} the findings with no suspicious minute for {@link TunnelFinding#ACTIVE} are
 * announced cleared, and those older than {@link #KEPT} are forgotten.
 *
 * <p>The windows live in memory: after a restart or a rebalance a tunnel's current minute starts again (it is
 * found within its next 30 names), while its findings, in the store, are kept exactly once with the verdicts' offsets.
 */
public final class TunnelProcessor implements Processor<String, DnsVerdict, Void, Void> {

    public static final String STORE = "tunnel-findings";
    static final Duration CHECK = Duration.ofSeconds(15);
    static final Duration SWEEP = Duration.ofMinutes(1);
    public static final Duration KEPT = Duration.ofDays(30);

    private final TunnelDetector detector;
    private final FindingEvents events;
    private KeyValueStore<String, TunnelFinding> findings;
    private long lastSweep;

    public TunnelProcessor(TunnelRules rules, FindingEvents events) {
        this.detector = new TunnelDetector(rules);
        this.events = events;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
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
        for (KeyValue<String, TunnelFinding> change : changed) {
            if (change.value == null) {
                findings.delete(change.key);
            } else {
                findings.put(change.key, change.value);
                publish(change.value, false, now);
            }
        }
    }

    private void publish(TunnelFinding finding, boolean raised, Instant at) {
        events.publish(new FindingEvents.FindingEvent(finding.accountId(), finding.agentId(), finding.who(), FindingCode.DNS_TUNNEL,
                "DNS tunnel suspected through " + finding.registeredDomain() + ": " + String.join("; ", finding.reasons()), raised, at));
    }
}
