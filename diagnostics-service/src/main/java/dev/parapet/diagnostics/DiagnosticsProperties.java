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
 * @param deviceRowsHeld        device rows the inventory holds decoded in memory on this instance, at most (about 1.3 KB of
 *                              heap each; divided among its tasks): a device whose row is held costs no store read per
 *                              heartbeat. Raise it with the heap for an instance that keeps more devices
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
        @DefaultValue("24000") int deviceRowsHeld,
        String relayKey) {

    @Override
    public String toString() {   // never the relay key
        return "DiagnosticsProperties[stateDirectory=" + stateDirectory + ", advertisedHost=" + advertisedHost + ", relayKey="
                + (relayKey == null || relayKey.isBlank() ? "unset" : "set") + "]";
    }
}
