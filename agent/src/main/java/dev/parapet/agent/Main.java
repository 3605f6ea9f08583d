package dev.parapet.agent;

import java.nio.file.Path;
import java.util.Map;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code parapet-agent}: the reference security agent. Each command is its own process; they share
 * the state directory ({@code --state-dir}, else {@code $PARAPET_AGENT_HOME}, else
 * {@code ~/.parapet-agent}). Expected failures print one line and exit with the code in
 * {@link AgentException}; anything else is a bug and prints its stack trace.
 */
@Command(name = "parapet-agent", mixinStandardHelpOptions = true, version = "parapet-agent " + AgentVersion.CURRENT,
        description = "The Parapet security agent: enrols with the CustomerKey, follows the account's configuration, "
                + "resolves DNS over HTTPS through Parapet and reports its health.",
        subcommands = {EnrollCommand.class, RunCommand.class, StatusCommand.class, TestBlockingCommand.class,
                LoginCommand.class, LogoutCommand.class, DisableCommand.class, EnableCommand.class, CheckUpdateCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @Option(names = "--state-dir", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "Where the agent keeps its state (default: $PARAPET_AGENT_HOME, else ~/.parapet-agent).")
    Path stateDir;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Name a command (parapet-agent --help lists them)");
    }

    StateStore store() {
        return new StateStore(stateDirectory(stateDir, System.getenv()));
    }

    static Path stateDirectory(Path flag, Map<String, String> environment) {
        if (flag != null) {
            return flag;
        }
        String home = environment.get("PARAPET_AGENT_HOME");
        if (home != null && !home.isBlank()) {
            return Path.of(home);
        }
        return Path.of(System.getProperty("user.home"), ".parapet-agent");
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Main()).setExecutionExceptionHandler((exception, commandLine, parsed) -> {
            if (exception instanceof AgentException agent) {
                commandLine.getErr().println("parapet-agent: " + agent.getMessage());
                return agent.exitCode();
            }
            if (exception instanceof IllegalStateException || exception instanceof IllegalArgumentException
                    || exception instanceof java.io.UncheckedIOException) {
                commandLine.getErr().println("parapet-agent: " + exception.getMessage());
                return AgentException.FAILED;
            }
            throw exception;
        });
    }
}
