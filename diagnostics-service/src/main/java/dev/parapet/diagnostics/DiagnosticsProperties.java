package dev.parapet.diagnostics;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * diagnostics-service's settings ({@code parapet.diagnostics.*}).
 *
 * @param stateDirectory        where Kafka Streams keeps its local copies of the state stores (rebuilt from Kafka when lost)
 * @param advertisedHost        the host other instances reach this one's API on, for queries it cannot answer itself
 * @param heartbeatTimeout      a device silent for longer has the finding NO_HEARTBEAT
 * @param clockSkew             an agent clock further than this from the service's has the finding CLOCK_SKEW (endpoints must use NTP)
 * @param configurationGrace    how long an agent may stay behind the account's current settings before CONFIGURATION_BEHIND
 * @param latestAgentVersion    the newest published agent version; older agents have OUTDATED_AGENT
 * @param findingsInterval      how often the devices due for a time-driven finding (NO_HEARTBEAT, CONFIGURATION_BEHIND) are looked for: a check of deadlines in memory, not a read of the devices
 * @param streamThreads         Kafka Streams threads
 * @param liveStreamsPerAccount live streams an account may hold open (on the instance that owns its data); more get 429
 * @param deviceRowsHeld        device rows the inventory holds decoded in memory on this instance, at most (about 600 bytes
 *                              of heap each; divided among its tasks): a device whose row is held costs no store read per
 *                              heartbeat, and its row is written once per commit however many heartbeats changed it.
 *                              Unset (-1), as many as fit in a fifth of the heap: 120 000 with 384 MiB, 320 000 with 1 GiB
 * @param relayKey              base64 of at least 32 random bytes, the same on every instance: signs the queries one
 *                              instance passes on to another (instead of the administrator's token). Unset, each
 *                              instance makes a random one, which is right for one instance alone; several
 *                              instances without a shared key refuse each other's queries (401, and a warning)
 */
@ConfigurationProperties("parapet.diagnostics")
public record DiagnosticsProperties(
        @DefaultValue("/tmp/parapet/diagnostics-service") String stateDirectory,
        @DefaultValue("127.0.0.1") String advertisedHost,
        @DefaultValue("10m") Duration heartbeatTimeout,
        @DefaultValue("2m") Duration clockSkew,
        @DefaultValue("2m") Duration configurationGrace,
        @DefaultValue("1.0.0") String latestAgentVersion,
        @DefaultValue("1s") Duration findingsInterval,
        @DefaultValue("2") int streamThreads,
        @DefaultValue("20") int liveStreamsPerAccount,
        @DefaultValue("-1") int deviceRowsHeld,
        String relayKey) {

    /** What a held device row costs in the heap, about (measured with 100 000 rows of typical agents). */
    static final int HELD_ROW_BYTES = 640;

    /** {@link #deviceRowsHeld}, or what a fifth of the heap holds when it is unset. */
    public int deviceRowsHeldOnThisInstance() {
        return deviceRowsHeld >= 0 ? deviceRowsHeld : (int) Math.min(Integer.MAX_VALUE, Runtime.getRuntime().maxMemory() / 5 / HELD_ROW_BYTES);
    }

    @Override
    public String toString() {   // never the relay key
        return "DiagnosticsProperties[stateDirectory=" + stateDirectory + ", advertisedHost=" + advertisedHost + ", relayKey="
                + (relayKey == null || relayKey.isBlank() ? "unset" : "set") + "]";
    }
}
