package dev.parapet.settings.stream;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponseException;

import dev.parapet.kit.agents.AgentCredentialVerifier;
import dev.parapet.kit.agents.AgentCredentialVerifier.AgentIdentity;
import dev.parapet.kit.problem.Problems;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.common.Verifier;
import dev.parapet.schemas.v1.exceptions.AccountExceptions;
import dev.parapet.schemas.v1.settings.AgentSettings;
import dev.parapet.schemas.v1.settings.TamperProtection;
import dev.parapet.settings.SettingsProperties;
import dev.parapet.settings.agentsettings.SettingsState;
import dev.parapet.settings.quotas.Quotas;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import tools.jackson.databind.json.JsonMapper;

/**
 * The open configuration streams of agents. A new stream gets the agent's whole configuration (or,
 * resuming with Last-Event-ID, what changed since); then every change, pushed from this instance's
 * followed state as it reads it. What a stream is sent is always worked out from the account's latest
 * configuration and the stream's position, under the stream's lock, so a change that races the
 * snapshot is neither lost nor sent twice. A stream whose credential stops being valid (key deleted,
 * agent revoked) gets a {@code revoked} event and is closed as soon as the record saying so is read.
 * <p>
 * Each version of an account's configuration is encoded once ({@link SseFrame}) and the same bytes
 * are written to every stream at the same position; a stream is sent a change only when its connection
 * asks for more and takes more (see {@link Stream}), so a slow agent holds no queue: it is sent the
 * latest configuration once it has read what it was sent.
 */
@Component
public class AgentConfigurationStreams implements DisposableBean, SmartLifecycle {

    private final SettingsState state;
    private final AgentCredentialVerifier credentials;
    private final Map<UUID, Set<Stream>> byAccount = new ConcurrentHashMap<>();
    /** Each agent's streams, oldest first; changed under the lock of its account's set. */
    private final Map<UUID, Deque<Stream>> byAgent = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private final Quotas quotas;
    private final Counter revoked;
    private final Counter replaced;
    private final Counter refused;
    private final ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "agent-stream-heartbeat");
        thread.setDaemon(true);
        return thread;
    });
    /**
     * Pushes changes to the streams off the state's reading thread, so that reading (and with it the
     * acknowledgement of administrators' writes) never waits for ten thousand streams.
     */
    private final java.util.concurrent.ExecutorService fanOut = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "agent-stream-fan-out");
        thread.setDaemon(true);
        return thread;
    });
    private final JsonMapper json;
    /** Each account's latest configuration as its streams are sent it, encoded once for all of them. */
    private final Map<UUID, Latest> latest = new ConcurrentHashMap<>();

    /**
     * Where the account's users sign in on the agent ({@code parapet.settings.agent-sign-in.*}), sent in the
     * stream's settings so that {@code parapet-agent login} needs no address; unset, nothing is sent.
     *
     * @param issuer   the identity provider's issuer URL (the realm's)
     * @param clientId the agent's client there
     */
    @org.springframework.boot.context.properties.ConfigurationProperties("parapet.settings.agent-sign-in")
    public record AgentSignIn(String issuer, @org.springframework.boot.context.properties.bind.DefaultValue("parapet-agent") String clientId) {
    }

    private final AgentSignIn signIn;

    public AgentConfigurationStreams(SettingsState state, AgentCredentialVerifier credentials, MeterRegistry meters,
                                     SettingsProperties properties, JsonMapper json, AgentSignIn signIn) {
        this.signIn = signIn;
        this.state = state;
        this.credentials = credentials;
        this.json = json;
        this.quotas = properties.quotas();
        this.revoked = meters.counter("parapet.agent.streams.revoked");
        this.replaced = meters.counter("parapet.agent.streams.replaced");
        this.refused = meters.counter("parapet.agent.streams.refused");
        meters.gauge("parapet.agent.streams.open", open);
        state.onChange(change -> fanOut.execute(() -> {
            if (byAccount.containsKey(change.accountId())) {
                latest(change.accountId());
                forEachStream(change.accountId(), Stream::drain);
            }
        }));
        credentials.onChange(accountId -> fanOut.execute(() -> forEachStream(accountId, Stream::recheck)));
        long period = Math.max(1, properties.streamHeartbeat().toMillis());
        heartbeat.scheduleAtFixedRate(this::heartbeat, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * The stream of one agent, from the position it names (empty: from a full snapshot). An agent
     * holds at most {@code streams-per-agent} streams: a newer one ends its oldest (with a
     * {@code replaced} event), so an agent whose old connection is not yet known to be dead always
     * gets in, while one credential cannot hold more. An account holds at most
     * {@code streams-per-account} streams on this instance; beyond that a new stream is refused (429).
     *
     * @param connection the agent's connection: its thread, where changes are then pushed, and
     *                   whether it takes more
     * @return the stream's bytes, {@code text/event-stream}
     */
    public Flux<DataBuffer> open(AgentIdentity agent, Optional<StreamPosition> from, StreamConnection connection) {
        Stream stream = new Stream(agent, connection);
        return Flux.defer(() -> {
            Stream replaced = register(stream);
            if (replaced != null) {
                replaced.replaced();
            }
            // create, not push: a push sink tells onRequest of the first request only, so a stream
            // would not hear its subscriber ask for more (it would wait for the next change or heartbeat).
            return Flux.<DataBuffer>create(sink -> stream.start(sink, from), FluxSink.OverflowStrategy.IGNORE)
                    .doFinally(signal -> unregister(stream));
        });
    }

    /** Adds the stream to its account's and agent's; returns the agent's oldest stream if this one replaces it. */
    private Stream register(Stream stream) {
        UUID accountId = stream.agent.accountId();
        Set<Stream> ofAccount = byAccount.computeIfAbsent(accountId, id -> ConcurrentHashMap.newKeySet());
        synchronized (ofAccount) {
            Deque<Stream> ofAgent = byAgent.computeIfAbsent(stream.agent.agentId(), id -> new ArrayDeque<>());
            Stream oldest = null;
            if (ofAgent.size() >= quotas.streamsPerAgent()) {
                oldest = ofAgent.pollFirst();
                if (ofAccount.remove(oldest)) {
                    open.decrementAndGet();
                }
            } else if (ofAccount.size() >= quotas.streamsPerAccount()) {
                if (ofAgent.isEmpty()) {
                    byAgent.remove(stream.agent.agentId());
                }
                refused.increment();
                ErrorResponseException problem = Problems.tooManyRequests("This account has " + ofAccount.size()
                        + " configuration streams open on this instance, the most it may have "
                        + "(parapet.settings.quotas.streams-per-account); retry later.");
                problem.getBody().setProperty("limit", quotas.streamsPerAccount());
                problem.getBody().setProperty("current", ofAccount.size());
                problem.getHeaders().set(HttpHeaders.RETRY_AFTER, "60");
                throw problem;
            }
            ofAgent.addLast(stream);
            ofAccount.add(stream);
            open.incrementAndGet();
            return oldest;
        }
    }

    private void unregister(Stream stream) {
        Set<Stream> ofAccount = byAccount.get(stream.agent.accountId());
        if (ofAccount == null) {
            return;
        }
        synchronized (ofAccount) {
            if (ofAccount.remove(stream)) {
                open.decrementAndGet();
            }
            Deque<Stream> ofAgent = byAgent.get(stream.agent.agentId());
            if (ofAgent != null && ofAgent.remove(stream) && ofAgent.isEmpty()) {
                byAgent.remove(stream.agent.agentId());
            }
        }
    }

    public int openStreams() {
        return open.get();
    }

    /**
     * The account's streams open on this instance, and how many have been sent the given versions
     * of its settings and exceptions (or later ones); an absent version asks nothing of that part.
     *
     * @param connected streams open
     * @param sent      of those, the ones whose position includes both versions
     */
    public record Delivery(int connected, int sent) {
    }

    public Delivery delivered(UUID accountId, OptionalLong settingsVersion, OptionalLong exceptionsVersion) {
        Set<Stream> streams = byAccount.get(accountId);
        if (streams == null) {
            return new Delivery(0, 0);
        }
        int connected = 0;
        int sent = 0;
        for (Stream stream : streams) {
            StreamPosition position = stream.position;
            connected++;
            if (position != null && position.settings() >= settingsVersion.orElse(0)
                    && position.exceptions() >= exceptionsVersion.orElse(0)) {
                sent++;
            }
        }
        return new Delivery(connected, sent);
    }

    /**
     * Runs the action for each of the account's streams on the stream's own connection thread: the
     * fan-out thread only sorts the streams by connection thread and hands each thread its share in
     * slices. A write from another thread would cost a task and a wake-up of the connection's event
     * loop per stream; from the loop itself it is a plain write, the loops work in parallel, and a
     * slice at a time leaves room between slices for the loop's other connections.
     */
    private void forEachStream(UUID accountId, Consumer<Stream> action) {
        Set<Stream> streams = byAccount.get(accountId);
        if (streams != null) {
            onConnectionThreads(streams, action);
        }
    }

    private static void onConnectionThreads(Iterable<Stream> streams, Consumer<Stream> action) {
        Map<Executor, List<Stream>> byThread = new IdentityHashMap<>();
        for (Stream stream : streams) {
            byThread.computeIfAbsent(stream.connection.thread(), thread -> new ArrayList<>()).add(stream);
        }
        byThread.forEach((thread, share) -> {
            for (int from = 0; from < share.size(); from += SLICE) {
                List<Stream> slice = share.subList(from, Math.min(share.size(), from + SLICE));
                try {
                    thread.execute(() -> slice.forEach(action));
                } catch (RejectedExecutionException shuttingDown) {
                    return;
                }
            }
        });
    }

    /** Streams served per task on a connection thread. */
    private static final int SLICE = 256;

    /** One comment, encoded once, for every stream. */
    private void heartbeat() {
        SseFrame comment = SseFrame.comment("keep-alive " + Instant.now());
        List<Stream> all = new ArrayList<>(open.get());
        byAccount.values().forEach(all::addAll);
        onConnectionThreads(all, stream -> stream.heartbeat(comment));
    }

    /**
     * An account's settings and exceptions as its streams are sent them: each version's JSON and its
     * event, encoded once for every stream that has the other part's latest version (every stream
     * that keeps up); a stream further behind gets an event of its own.
     */
    private record Latest(long settingsVersion, String settingsJson, long exceptionsVersion, String exceptionsJson,
                          SseFrame settings, SseFrame exceptions) {

        static Latest of(long settingsVersion, String settingsJson, long exceptionsVersion, String exceptionsJson) {
            return new Latest(settingsVersion, settingsJson, exceptionsVersion, exceptionsJson,
                    settingsEvent(settingsVersion, settingsJson, exceptionsVersion),
                    exceptionsEvent(settingsVersion, exceptionsVersion, exceptionsJson));
        }

        /** The settings event for a stream that has these exceptions. */
        SseFrame settingsFor(long exceptionsPosition) {
            return exceptionsPosition == exceptionsVersion ? settings : settingsEvent(settingsVersion, settingsJson, exceptionsPosition);
        }

        /** The exceptions event for a stream that has these settings. */
        SseFrame exceptionsFor(long settingsPosition) {
            return settingsPosition == settingsVersion ? exceptions : exceptionsEvent(settingsPosition, exceptionsVersion, exceptionsJson);
        }

        /** Whether this is at least as new as the other in both parts (the state's versions only grow). */
        boolean covers(Latest other) {
            return settingsVersion >= other.settingsVersion && exceptionsVersion >= other.exceptionsVersion;
        }

        private static SseFrame settingsEvent(long settingsVersion, String json, long exceptionsPosition) {
            return SseFrame.event(new StreamPosition(settingsVersion, exceptionsPosition).id(), "settings", json);
        }

        private static SseFrame exceptionsEvent(long settingsPosition, long exceptionsVersion, String json) {
            return SseFrame.event(new StreamPosition(settingsPosition, exceptionsVersion).id(), "exceptions", json);
        }
    }

    /**
     * The account's latest configuration, from the state, encoded when it changed since the last look.
     * The cache only ever moves forward: a thread that read the state before another cannot put back
     * an older version that streams would then wait on.
     */
    private Latest latest(UUID accountId) {
        AgentSettings settings = state.of(accountId);
        AccountExceptions exceptions = state.exceptionsOf(accountId);
        Latest cached = latest.get(accountId);
        if (cached != null && cached.settingsVersion() >= settings.getVersion() && cached.exceptionsVersion() >= exceptions.getVersion()) {
            return cached;
        }
        String settingsJson = cached != null && cached.settingsVersion() == settings.getVersion()
                ? cached.settingsJson() : json.writeValueAsString(settings(settings, signIn));
        String exceptionsJson = cached != null && cached.exceptionsVersion() == exceptions.getVersion()
                ? cached.exceptionsJson() : json.writeValueAsString(exceptions(exceptions));
        Latest fresh = Latest.of(settings.getVersion(), settingsJson, exceptions.getVersion(), exceptionsJson);
        return latest.merge(accountId, fresh, (old, candidate) -> old.covers(candidate) ? old : candidate);
    }

    private volatile boolean running;

    @Override
    public void start() {
        running = true;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * Stopping ends every open stream at once, before the web server's graceful shutdown (a later
     * phase) waits for open requests: the agents reconnect to another instance and resume from their
     * last event id, instead of this instance holding them for the whole grace period.
     */
    @Override
    public void stop() {
        running = false;
        byAccount.values().forEach(streams -> streams.forEach(Stream::end));
    }

    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE;
    }

    @Override
    public void destroy() {
        heartbeat.shutdownNow();
        fanOut.shutdownNow();
        stop();
    }

    /**
     * One agent's stream. Nothing waits in it: what it is sent next is worked out, when its connection
     * can take it, from its position and the account's latest configuration, so an agent that reads
     * slowly is sent the latest version once it catches up (versions in between are skipped, as for
     * a reconnect) and holds no more than its connection's unsent bytes (Netty's high-water mark,
     * 64 KiB, plus what the kernel buffers). A stream is sent something only while its subscriber
     * has asked for more and its connection is writable; otherwise the next change, the subscriber's
     * next request or the next heartbeat sends it what it lacks. Heartbeats are not owed: a stream
     * that cannot take one skips it (its connection is not idle).
     */
    private final class Stream {

        private final AgentIdentity agent;
        private final StreamConnection connection;
        /** Set once subscribed; everything below is changed under the stream's lock. */
        private FluxSink<DataBuffer> sink;
        /** Written under the stream's lock; read without it to count deliveries. */
        private volatile StreamPosition position;
        /** The snapshot, sent before anything else. */
        private SseFrame first;
        /** The event that ends the stream ({@code revoked}, {@code replaced}), then completion. */
        private SseFrame last;
        /** Changes are no longer sent; the stream completes once {@link #last} is. */
        private boolean closed;
        /** Completed or cancelled: nothing more is sent. */
        private boolean done;
        /** A heartbeat passed while {@link #last} waited for the connection: the next one ends the stream without it. */
        private boolean lastWaited;
        private boolean draining;

        Stream(AgentIdentity agent, StreamConnection connection) {
            this.agent = agent;
            this.connection = connection;
        }

        synchronized void start(FluxSink<DataBuffer> sink, Optional<StreamPosition> from) {
            this.sink = sink;
            sink.onCancel(this::cancelled);
            sink.onRequest(requested -> drain());
            if (closed) {
                drain();
                return;
            }
            if (!credentials.stillValid(agent)) {
                recheck();
                return;
            }
            Latest now = latest(agent.accountId());
            if (from.isPresent()) {
                position = from.get();
                drain();
                return;
            }
            position = new StreamPosition(now.settingsVersion(), now.exceptionsVersion());
            first = SseFrame.event(position.id(), "configuration", "{\"agent\":"
                    + json.writeValueAsString(Map.of("agentId", agent.agentId(), "accountId", agent.accountId(), "deviceId", agent.deviceId()))
                    + ",\"settings\":" + now.settingsJson() + ",\"exceptions\":" + now.exceptionsJson() + "}");
            drain();
        }

        /**
         * Sends what this stream lacks, for as long as the connection takes it. Re-entered from a
         * request made while sending (same thread, same lock), it returns: the outer loop goes on.
         */
        synchronized void drain() {
            if (draining || sink == null || done) {
                return;
            }
            draining = true;
            try {
                SseFrame next;
                while (ready() && (next = next()) != null) {
                    sink.next(next.buffer(connection.buffers()));
                }
                if (closed && first == null && last == null) {
                    complete();
                }
            } finally {
                draining = false;
            }
        }

        private boolean ready() {
            return !done && sink.requestedFromDownstream() > 0 && connection.writable().getAsBoolean();
        }

        /** What to send next, the position moved past it; null when the stream lacks nothing. */
        private SseFrame next() {
            if (first != null) {
                SseFrame snapshot = first;
                first = null;
                return snapshot;
            }
            Latest latest = AgentConfigurationStreams.this.latest.get(agent.accountId());
            if (!closed && position != null && latest != null) {
                if (latest.settingsVersion() > position.settings()) {
                    SseFrame settings = latest.settingsFor(position.exceptions());
                    position = new StreamPosition(latest.settingsVersion(), position.exceptions());
                    return settings;
                }
                if (latest.exceptionsVersion() > position.exceptions()) {
                    SseFrame exceptions = latest.exceptionsFor(position.settings());
                    position = new StreamPosition(position.settings(), latest.exceptionsVersion());
                    return exceptions;
                }
            }
            if (last != null) {
                SseFrame ending = last;
                last = null;
                return ending;
            }
            return null;
        }

        /** A keep-alive comment, if the connection takes it, after whatever the stream still lacks. */
        synchronized void heartbeat(SseFrame comment) {
            if (sink == null || done) {
                return;
            }
            if (closed) {
                if (lastWaited) {
                    complete();
                }
                lastWaited = true;
                drain();
                return;
            }
            drain();
            if (position != null && ready()) {
                sink.next(comment.buffer(connection.buffers()));
            }
        }

        synchronized void recheck() {
            if (closed || credentials.stillValid(agent)) {
                return;
            }
            revoked.increment();
            close("revoked", Map.of("agentId", agent.agentId(),
                    "reason", "This agent's credential is no longer valid (its key was deleted or the agent was revoked); "
                            + "enrol again with the account's current key."));
        }

        /** Ends this stream because a newer one of the same agent took its place. */
        synchronized void replaced() {
            if (closed) {
                return;
            }
            AgentConfigurationStreams.this.replaced.increment();
            close("replaced", Map.of("agentId", agent.agentId(),
                    "reason", "A newer configuration stream of this agent was opened; this one is closed "
                            + "(at most " + quotas.streamsPerAgent() + " per agent)."));
        }

        private void close(String event, Map<String, Object> why) {
            closed = true;
            last = SseFrame.event(null, event, json.writeValueAsString(why));
            drain();
        }

        /** Ends the stream at once (the instance stops): the agent reconnects elsewhere and resumes. */
        synchronized void end() {
            closed = true;
            first = null;
            last = null;
            if (sink != null) {
                complete();
            }
        }

        private void complete() {
            if (!done) {
                done = true;
                sink.complete();
            }
        }

        private synchronized void cancelled() {
            done = true;
        }
    }

    static Map<String, Object> settings(AgentSettings settings, AgentSignIn signIn) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("version", settings.getVersion());
        view.put("userAuthentication", settings.getUserAuthentication());
        view.put("enforceUserAuthentication", settings.getEnforceUserAuthentication());
        view.put("manageUpdates", settings.getManageUpdates());
        TamperProtection tamper = settings.getTamperProtection();
        if (tamper != null) {
            Map<String, Object> verifiers = new LinkedHashMap<>();
            verifiers.put("current", verifier(tamper.getCurrent()));
            verifiers.put("previous", tamper.getPrevious() == null ? null : verifier(tamper.getPrevious()));
            verifiers.put("generatedAt", tamper.getGeneratedAt().toString());
            view.put("tamperProtection", verifiers);
        } else {
            view.put("tamperProtection", null);
        }
        if (signIn != null && signIn.issuer() != null && !signIn.issuer().isBlank()) {
            view.put("signIn", Map.of("issuer", signIn.issuer(), "clientId", signIn.clientId()));
        }
        return view;
    }

    private static Map<String, Object> verifier(Verifier verifier) {
        Base64.Encoder base64 = Base64.getEncoder();
        return Map.of("algorithm", verifier.getAlgorithm(), "iterations", verifier.getIterations(),
                "salt", base64.encodeToString(verifier.getSalt().array()), "hash", base64.encodeToString(verifier.getHash().array()));
    }

    static Map<String, Object> exceptions(AccountExceptions exceptions) {
        return Map.of("version", exceptions.getVersion(), "domains", exceptions.getDomains(), "ipRanges", exceptions.getIpRanges());
    }
}
