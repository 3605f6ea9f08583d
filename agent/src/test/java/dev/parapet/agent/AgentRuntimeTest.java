package dev.parapet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The running agent applying configuration events as settings-service sends them, and refusing bad ones. */
class AgentRuntimeTest {

    static final String CONFIGURATION = "{\"agent\":{\"agentId\":\"7d5c7c55-3f7e-4bd2-9a77-0d7c0b0f4d11\"},"
            + "\"settings\":{\"version\":3,\"userAuthentication\":true,\"enforceUserAuthentication\":false,\"manageUpdates\":false,"
            + "\"tamperProtection\":null},\"exceptions\":{\"version\":2,\"domains\":[\"corp\",\"Intranet.Example.COM.\"],\"ipRanges\":[\"192.0.2.0/24\"]}}";

    @TempDir
    Path dir;

    StateStore store;
    AgentRuntime runtime;
    final ByteArrayOutputStream logged = new ByteArrayOutputStream();

    @BeforeEach
    void enrolled() {
        store = new StateStore(dir);
        runtime = new AgentRuntime(store, store.replace(AgentState.enrolled(AgentStateStoreTest.enrolment())),
                new Log(new PrintStream(logged, true)));
    }

    @Test
    void eventsAreAppliedAndSavedWithTheirIds() {
        assertThat(runtime.configurationSource()).isEqualTo("INSTALL_DEFAULTS");
        assertThat(runtime.exceptions().covers("printer.corp")).as("install defaults").isTrue();

        runtime.onConnected();
        runtime.onEvent(new SseParser.Event("s3.e2", "configuration", CONFIGURATION));
        assertThat(runtime.exceptions().covers("wiki.intranet.example.com")).isTrue();
        assertThat(runtime.configurationSource()).isEqualTo("LIVE_STREAM");

        runtime.onEvent(new SseParser.Event("s4.e2", "settings",
                "{\"version\":4,\"userAuthentication\":false,\"enforceUserAuthentication\":true,\"manageUpdates\":true,\"tamperProtection\":null}"));
        runtime.onEvent(new SseParser.Event("s4.e3", "exceptions", "{\"version\":3,\"domains\":[\"lan\"],\"ipRanges\":[]}"));

        AgentState saved = store.load().orElseThrow();
        assertThat(saved.lastEventId()).isEqualTo("s4.e3");
        assertThat(saved.configuration().settings().manageUpdates()).isTrue();
        assertThat(saved.configuration().exceptions().domains()).containsExactly("lan");
        assertThat(runtime.exceptions().covers("printer.corp")).isFalse();
        assertThat(runtime.exceptions().covers("nas.lan")).isTrue();
        assertThat(logged.toString()).contains("Sign-in required");

        runtime.onUnreachable("connection refused");
        assertThat(runtime.configurationSource()).isEqualTo("CACHED");
        assertThat(logged.toString()).contains("working from the configuration saved at s4.e3");
    }

    @Test
    void aBadEventIsNotAppliedDoesNotMoveTheIdAndIsRecorded() {
        runtime.onEvent(new SseParser.Event("s3.e2", "configuration", CONFIGURATION));

        assertThatThrownBy(() -> runtime.onEvent(new SseParser.Event("s4.e2", "settings", "{\"version\":\"4\"}")))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> runtime.onEvent(new SseParser.Event("s4.e3", "exceptions",
                "{\"version\":3,\"domains\":[\"bad domain!\"],\"ipRanges\":[]}"))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> runtime.onEvent(new SseParser.Event("s4.e3", "exceptions", "not json")))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> runtime.onEvent(new SseParser.Event("garbage", "exceptions",
                "{\"version\":3,\"domains\":[],\"ipRanges\":[]}"))).isInstanceOf(IllegalStateException.class);

        AgentState saved = store.load().orElseThrow();
        assertThat(saved.lastEventId()).isEqualTo("s3.e2");
        assertThat(saved.configuration().exceptions().domains()).containsExactly("corp", "intranet.example.com");
        assertThat(saved.unreportedErrors()).hasSize(4);
    }

    @Test
    void anUnknownEventIsIgnored() {
        runtime.onEvent(new SseParser.Event("s9.e9", "something-new", "{}"));

        assertThat(store.load().orElseThrow().lastEventId()).isNull();
    }

    @Test
    void revocationIsSavedOnceAndStopsWhatWasRegistered() {
        int[] stops = {0};
        runtime.onRevoked(() -> stops[0]++);

        runtime.onRevoked("key deleted");
        runtime.dohRefused("401");

        assertThat(stops[0]).isEqualTo(1);
        assertThat(runtime.protectionState()).isEqualTo("REVOKED");
        assertThat(runtime.filtering()).isFalse();
        assertThat(store.load().orElseThrow().revocation().reason()).isEqualTo("key deleted");
    }
}
