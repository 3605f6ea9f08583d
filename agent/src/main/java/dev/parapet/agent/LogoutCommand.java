package dev.parapet.agent;

import picocli.CommandLine.Command;

/** {@code logout}: queries are no longer attributed to a user. */
@Command(name = "logout", mixinStandardHelpOptions = true, description = "Sign the user out.")
final class LogoutCommand extends AgentCommand {

    @Override
    public Integer call() {
        AgentState state = enrolled();
        if (state.signedInUser() == null) {
            out().println("Nobody is signed in.");
            return 0;
        }
        store().update(s -> s.withUser(null, null));
        out().println("Signed out " + state.signedInUser() + (state.effectiveConfiguration().settings().enforceUserAuthentication()
                ? ". This account enforces user authentication: sign in again with parapet-agent login --user …" : "."));
        return 0;
    }
}
