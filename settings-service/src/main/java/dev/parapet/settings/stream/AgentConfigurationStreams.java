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
import org.springframework.http.HttpHeaders;
import org.springframework.http.codec.ServerSentEvent;
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
import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;
import tools.jackson.databind.json.JsonMapper;

/**
 * The open configuration streams of agents. A new stream gets the agent's whole configuration (or,
 * resuming with Last-Event-ID, what changed since); then every change, pushed from this instance's
 * followed state as it reads it. What a stream is sent is always worked out from the state and the
 * stream's position, under the stream's lock, so a change that races the snapshot is neither lost
 * nor sent twice. A stream whose credential stops being valid (key deleted, agent revoked) gets a
 * {@code revoked} event and is closed as soon as the record saying so is read.
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
    /** The latest rendering of each account's settings and exceptions: one JSON text shared by all its streams. */
    private final Map<UUID, Rendered> renderedSettings = new ConcurrentHashMap<>();
    private final Map<UUID, Rendered> renderedExceptions = new ConcurrentHashMap<>();

    private record Rendered(long version, String json) {
    }

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
            Latest latest = latest(change.accountId());
            forEachStream(change.accountId(), stream -> stream.push(latest));
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
     * @param connection runs tasks on the thread that writes to the agent's connection (its event
     *                   loop), where changes are then pushed; {@code Runnable::run} pushes them from
     *                   the fan-out thread
     */
    public Flux<ServerSentEvent<Object>> open(AgentIdentity agent, Optional<StreamPosition> from, Executor connection) {
        Stream stream = new Stream(agent, connection);
        return Flux.defer(() -> {
            Stream replaced = register(stream);
            if (replaced != null) {
                replaced.replaced();
            }
            return stream.sink.asFlux()
                    .doOnSubscribe(subscription -> stream.start(from))
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
            byThread.computeIfAbsent(stream.connection, thread -> new ArrayList<>()).add(stream);
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

    private void heartbeat() {
        ServerSentEvent<Object> comment = ServerSentEvent.builder().comment("keep-alive " + Instant.now()).build();
        List<Stream> all = new ArrayList<>(open.get());
        byAccount.values().forEach(all::addAll);
        onConnectionThreads(all, stream -> stream.send(comment));
    }

    /**
     * An account's settings and exceptions as its streams are sent them, looked up once per change
     * for all of them: each version with its JSON (rendered once per version).
     */
    private record Latest(long settingsVersion, String settingsJson, long exceptionsVersion, String exceptionsJson) {
    }

    private Latest latest(UUID accountId) {
        AgentSettings settings = state.of(accountId);
        AccountExceptions exceptions = state.exceptionsOf(accountId);
        return new Latest(settings.getVersion(), render(renderedSettings, accountId, settings.getVersion(), () -> settings(settings, signIn)),
                exceptions.getVersion(), render(renderedExceptions, accountId, exceptions.getVersion(), () -> exceptions(exceptions)));
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

    private final class Stream {

        private final AgentIdentity agent;
        private final Executor connection;
        /** Events wait here only while the connection is slow; a small first chunk keeps 10 000 idle streams cheap. */
        private final Sinks.Many<ServerSentEvent<Object>> sink = Sinks.many().unicast()
                .onBackpressureBuffer(Queues.<ServerSentEvent<Object>>unbounded(8).get());
        /** Written under the stream's lock; read without it to count deliveries. */
        private volatile StreamPosition position;
        private boolean closed;

        Stream(AgentIdentity agent, Executor connection) {
            this.agent = agent;
            this.connection = connection;
        }

        synchronized void start(Optional<StreamPosition> from) {
            if (!credentials.stillValid(agent)) {
                recheck();
                return;
            }
            if (from.isPresent()) {
                position = from.get();
                push(latest(agent.accountId()));
                return;
            }
            AgentSettings settings = state.of(agent.accountId());
            AccountExceptions exceptions = state.exceptionsOf(agent.accountId());
            position = new StreamPosition(settings.getVersion(), exceptions.getVersion());
            Map<String, Object> snapshot = new LinkedHashMap<>();
            snapshot.put("agent", Map.of("agentId", agent.agentId(), "accountId", agent.accountId(), "deviceId", agent.deviceId()));
            snapshot.put("settings", settings(settings, signIn));
            snapshot.put("exceptions", exceptions(exceptions));
            send(ServerSentEvent.builder().id(position.id()).event("configuration").data(snapshot).build());
        }

        /** Sends whatever of the account's latest this stream's position has not had. */
        synchronized void push(Latest latest) {
            if (closed || position == null) {
                return;
            }
            if (latest.settingsVersion() > position.settings()) {
                position = new StreamPosition(latest.settingsVersion(), position.exceptions());
                send(ServerSentEvent.builder().id(position.id()).event("settings").data(latest.settingsJson()).build());
            }
            if (latest.exceptionsVersion() > position.exceptions()) {
                position = new StreamPosition(position.settings(), latest.exceptionsVersion());
                send(ServerSentEvent.builder().id(position.id()).event("exceptions").data(latest.exceptionsJson()).build());
            }
        }

        synchronized void recheck() {
            if (closed || credentials.stillValid(agent)) {
                return;
            }
            closed = true;
            revoked.increment();
            sink.tryEmitNext(ServerSentEvent.builder().event("revoked").data(Map.of("agentId", agent.agentId(),
                    "reason", "This agent's credential is no longer valid (its key was deleted or the agent was revoked); "
                            + "enrol again with the account's current key.")).build());
            sink.tryEmitComplete();
        }

        /** Ends this stream because a newer one of the same agent took its place. */
        synchronized void replaced() {
            if (closed) {
                return;
            }
            closed = true;
            AgentConfigurationStreams.this.replaced.increment();
            sink.tryEmitNext(ServerSentEvent.builder().event("replaced").data(Map.of("agentId", agent.agentId(),
                    "reason", "A newer configuration stream of this agent was opened; this one is closed "
                            + "(at most " + quotas.streamsPerAgent() + " per agent).")).build());
            sink.tryEmitComplete();
        }

        synchronized void end() {
            if (!closed) {
                closed = true;
                sink.tryEmitComplete();
            }
        }

        synchronized void send(ServerSentEvent<Object> event) {
            if (!closed) {
                sink.tryEmitNext(event);
            }
        }
    }

    /** The JSON of one version of an account's settings or exceptions, rendered once for all its streams. */
    private String render(Map<UUID, Rendered> cache, UUID accountId, long version,
                          java.util.function.Supplier<Map<String, Object>> view) {
        Rendered rendered = cache.get(accountId);
        if (rendered == null || rendered.version() != version) {
            rendered = new Rendered(version, json.writeValueAsString(view.get()));
            cache.put(accountId, rendered);
        }
        return rendered.json();
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
