package dev.parapet.agent;

import java.nio.file.Path;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code test-blocking}: asks Parapet for a name that should be blocked and one that should resolve; exit 0 only if both behave. */
@Command(name = "test-blocking", mixinStandardHelpOptions = true,
        description = "Test policy blocking over DoH: the blocked name must get the block page (EDE 15/17), the allowed one must resolve.")
final class TestBlockingCommand extends AgentCommand {

    @Option(names = "--blocked", required = true, paramLabel = "NAME", description = "A name a policy of the account blocks.")
    String blocked;

    @Option(names = "--allowed", required = true, paramLabel = "NAME", description = "A name that should resolve.")
    String allowed;

    @Override
    public Integer call() throws Exception {
        AgentState state = enrolled();
        if (state.revoked()) {
            throw new AgentException(AgentException.REVOKED, "Not tested: " + AgentState.REVOKED_MESSAGE);
        }
        AgentState.Enrolled enrolled = state.enrolment();
        DohClient doh = new DohClient(HttpClients.create(enrolled.dohCa() == null ? null : Path.of(enrolled.dohCa())),
                enrolled.endpoints().doh(), enrolled.credential());
        AgentState.TestBlockingResult result;
        try {
            result = TestBlocking.run(doh, state.effectiveUser(), blocked, allowed);
        } catch (DohClient.Refused e) {
            store().update(s -> s.revoked() ? s : s.withRevocation(new AgentState.Revocation(java.time.Instant.now(), e.getMessage())));
            throw new AgentException(AgentException.REVOKED, AgentState.REVOKED_MESSAGE + " (" + e.getMessage() + ")");
        }
        AgentState.TestBlockingResult saved = result;
        store().update(s -> s.withTestBlocking(saved));
        boolean passed = result.blockedNameBlocked() && result.allowedNameResolved();
        out().println((passed ? "PASSED: " : "FAILED: ") + result.detail());
        if (!passed) {
            recordError("test-blocking failed: " + result.detail());
        }
        return passed ? 0 : AgentException.FAILED;
    }
}
