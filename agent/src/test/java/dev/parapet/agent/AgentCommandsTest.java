package dev.parapet.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.parapet.kit.secrets.Secrets;
import picocli.CommandLine;

/** The commands as separate invocations sharing a state directory, with their exit codes. */
class AgentCommandsTest {

    @TempDir
    Path dir;

    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine command = Main.commandLine();
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        String[] withState = new String[args.length + 2];
        withState[0] = "--state-dir";
        withState[1] = dir.toString();
        System.arraycopy(args, 0, withState, 2, args.length);
        return command.execute(withState);
    }

    private StateStore enrolledWith(AgentConfiguration.Settings settings) {
        StateStore store = new StateStore(dir);
        store.replace(AgentState.enrolled(AgentStateStoreTest.enrolment()).withConfiguration(
                new AgentConfiguration(settings, AgentConfiguration.installDefaults().exceptions()), "s" + settings.version() + ".e0"));
        return store;
    }

    @Test
    void disableNeedsTheTamperPasswordAndAWrongOneIsRefusedWithExit3AndRecorded() {
        AgentConfiguration.TamperProtection tamper = AgentTamperCheckTest.fromStream(
                Secrets.passwordVerifier(AgentTamperCheckTest.CURRENT), Secrets.passwordVerifier(AgentTamperCheckTest.PREVIOUS));
        StateStore store = enrolledWith(new AgentConfiguration.Settings(2, true, false, false, tamper));

        assertThat(run("disable", "--password", "WRONG-WRONG")).isEqualTo(3);
        assertThat(store.load().orElseThrow().enabled()).isTrue();
        assertThat(store.load().orElseThrow().unreportedErrors()).extracting(AgentState.AgentError::message)
                .containsExactly("wrong tamper-protection password given to disable");
        assertThat(err.toString()).doesNotContain("WRONG-WRONG");

        assertThat(run("disable", "--password", AgentTamperCheckTest.PREVIOUS)).isZero();
        assertThat(store.load().orElseThrow().enabled()).isFalse();
        assertThat(run("status", "--json")).isZero();
        assertThat(out.toString()).contains("\"protectionState\" : \"DISABLED\"");

        assertThat(run("enable", "--password", AgentTamperCheckTest.CURRENT)).isZero();
        assertThat(store.load().orElseThrow().enabled()).isTrue();
    }

    @Test
    void withoutTamperProtectionDisableIsRefusedWithExit4() {
        enrolledWith(new AgentConfiguration.Settings(1, true, false, false, null));

        assertThat(run("disable", "--password", "anything")).isEqualTo(4);
        assertThat(err.toString()).contains("generate one");
    }

    @Test
    void loginOnlyWithUserAuthenticationAndCheckUpdateOnlyWithManageUpdates() {
        StateStore store = enrolledWith(new AgentConfiguration.Settings(1, false, false, false, null));
        assertThat(run("login", "--issuer", "http://127.0.0.1:9/realms/parapet")).isEqualTo(2);
        assertThat(run("check-update")).isEqualTo(2);

        store = enrolledWith(new AgentConfiguration.Settings(2, true, true, false, null));
        assertThat(run("login", "--user", "ann@example.com")).as("a user cannot be named, only signed in").isEqualTo(2);
        assertThat(run("login", "--issuer", "http://idp.example.com/realms/parapet")).as("plain http off this machine").isEqualTo(1);
        assertThat(err.toString()).contains("https");
        assertThat(run("login", "--issuer", "http://127.0.0.1:9/realms/parapet")).as("nobody answers").isEqualTo(1);
        assertThat(err.toString()).contains("cannot be reached");
        store.update(s -> s.withUser("ann@example.com", "DOMAIN_CREDENTIALS", AgentStateStoreTest.session()));
        assertThat(run("logout")).as("signed out even when the provider cannot revoke").isZero();
        assertThat(out.toString()).contains("lapses on its own");
        assertThat(store.load().orElseThrow().signedInUser()).isNull();
        assertThat(store.load().orElseThrow().userSession()).isNull();
    }

    @Test
    void commandsBeforeEnrolmentSayToEnrolWithExit5() {
        assertThat(run("status")).isEqualTo(5);
        assertThat(err.toString()).contains("parapet-agent enroll --key-file");
    }

    @Test
    void statusOfAnAgentThatIsNotRunningDoesNotClaimProtection() {
        enrolledWith(new AgentConfiguration.Settings(1, true, false, false, null));

        assertThat(run("status")).isZero();
        assertThat(out.toString()).contains("UNPROTECTED_OFFLINE (the agent is not running").contains("s1.e0")
                .doesNotContain("pac1.");
    }

    @Test
    void theStateDirectoryComesFromTheFlagThenTheEnvironmentThenHome() {
        assertThat(Main.stateDirectory(Path.of("/x"), java.util.Map.of("PARAPET_AGENT_HOME", "/y"))).isEqualTo(Path.of("/x"));
        assertThat(Main.stateDirectory(null, java.util.Map.of("PARAPET_AGENT_HOME", "/y"))).isEqualTo(Path.of("/y"));
        assertThat(Main.stateDirectory(null, java.util.Map.of())).isEqualTo(Path.of(System.getProperty("user.home"), ".parapet-agent"));
    }

    @Test
    void theConfigurationNamesWhereUsersSignInAndAnAddressOffThisMachineMustBeHttps() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        AgentConfiguration.Settings named = AgentConfiguration.settings(json.readTree("{\"version\":3,\"userAuthentication\":true,"
                + "\"enforceUserAuthentication\":false,\"manageUpdates\":false,\"tamperProtection\":null,"
                + "\"signIn\":{\"issuer\":\"https://id.example.com/realms/acme\",\"clientId\":\"acme-agent\"}}"));
        assertThat(named.signIn()).isEqualTo(new AgentConfiguration.SignIn("https://id.example.com/realms/acme", "acme-agent"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AgentConfiguration.settings(json.readTree("{\"version\":3,"
                        + "\"userAuthentication\":true,\"enforceUserAuthentication\":false,\"manageUpdates\":false,"
                        + "\"signIn\":{\"issuer\":\"http://id.example.com/realms/acme\"}}")))
                .isInstanceOf(AgentConfiguration.Unreadable.class).hasMessageContaining("settings.signIn.issuer");
        assertThat(AgentConfiguration.settings(json.readTree("{\"version\":3,\"userAuthentication\":true,"
                + "\"enforceUserAuthentication\":false,\"manageUpdates\":false}")).signIn()).isNull();

        StateStore store = enrolledWith(new AgentConfiguration.Settings(4, true, false, false, null,
                new AgentConfiguration.SignIn("http://127.0.0.1:9/realms/parapet", "parapet-agent")));
        assertThat(run("login")).as("the configuration's provider is asked (here: nobody answers)").isEqualTo(1);
        assertThat(err.toString()).contains("127.0.0.1").contains("cannot be reached");
        assertThat(store.load().orElseThrow().signedInUser()).isNull();
    }
}
