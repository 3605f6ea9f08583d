package dev.parapet.agent;

import picocli.CommandLine.Option;

/**
 * {@code disable} and {@code enable}: both need the tamper-protection password, checked here against
 * the saved verifiers (current or previous). Without tamper protection the command is refused: the
 * point of the password is that a user cannot switch filtering off on their own, and an account
 * that never generated one has not decided who may; an administrator generates one first.
 */
abstract class TamperCommand extends AgentCommand {

    @Option(names = "--password", required = true, interactive = true, arity = "0..1", paramLabel = "PASSWORD",
            description = "The tamper-protection password (asked for if given without a value).")
    char[] password;

    abstract boolean enabling();

    @Override
    public Integer call() {
        AgentState state = enrolled();
        String action = enabling() ? "enable" : "disable";
        if (state.enabled() == enabling()) {
            out().println("The agent is already " + (enabling() ? "enabled." : "disabled."));
        }
        AgentConfiguration.TamperProtection protection = state.effectiveConfiguration().settings().tamperProtection();
        TamperCheck.Outcome outcome = TamperCheck.check(new String(password), protection);
        java.util.Arrays.fill(password, '\0');
        switch (outcome) {
            case NOT_CONFIGURED -> throw new AgentException(AgentException.NO_TAMPER_PROTECTION,
                    "Refused: this account has no tamper-protection password" + (state.configuration() == null
                            ? " (no configuration received yet: run parapet-agent run first)" : "")
                            + ". An administrator must generate one (Generate Password) before agents can be " + action + "d.");
            case WRONG -> {
                recordError("wrong tamper-protection password given to " + action);
                throw new AgentException(AgentException.WRONG_PASSWORD, "Refused: wrong tamper-protection password. The attempt was recorded.");
            }
            case CURRENT, PREVIOUS -> {
                store().update(s -> s.withEnabled(enabling()));
                out().println((enabling() ? "Enabled: queries go to Parapet again." : "Disabled: queries go to the system resolver, unfiltered.")
                        + (outcome == TamperCheck.Outcome.PREVIOUS ? " (accepted the previous password: a newer one exists)" : ""));
            }
        }
        return 0;
    }
}
