package dev.parapet.agent;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** What every command shares: the state directory of the top command and the console. */
abstract class AgentCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    StateStore store() {
        return main.store();
    }

    /** The saved state, or a failure saying to enrol first. */
    AgentState enrolled() {
        return store().load().orElseThrow(() -> new AgentException(AgentException.NOT_ENROLLED,
                "This agent is not enrolled (no " + store().stateFile() + "): run parapet-agent enroll --key-file CustomerKey"));
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Records an error for status and the next diagnostic report. */
    void recordError(String message) {
        store().update(s -> s.withError(new AgentState.AgentError(java.time.Instant.now(), Telemetry.clean(message))));
    }
}
