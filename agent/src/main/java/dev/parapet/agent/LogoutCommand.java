package dev.parapet.agent;

import java.time.Clock;

import picocli.CommandLine.Command;

/**
 * {@code logout}: the user's refresh token is revoked at the identity provider (so the sign-in cannot be
 * renewed from this device's state file), then forgotten; queries are no longer attributed to them.
 */
@Command(name = "logout", mixinStandardHelpOptions = true, description = "Sign the user out (revoking their sign-in at the identity provider).")
final class LogoutCommand extends AgentCommand {

    @Override
    public Integer call() throws InterruptedException {
        AgentState state = enrolled();
        if (state.signedInUser() == null) {
            out().println("Nobody is signed in.");
            return 0;
        }
        String revocation = "";
        AgentState.UserSession session = state.userSession();
        if (session != null && session.refreshToken() != null) {
            try {
                new UserSignIn(HttpClients.create(null), Clock.systemUTC()).revoke(session);
                revocation = " (sign-in revoked at " + session.issuer() + ")";
            } catch (UserSignIn.SignInFailed e) {
                // Signed out here all the same: the tokens are forgotten; the access token lapses within minutes.
                revocation = " (the identity provider could not revoke the sign-in: " + e.getMessage() + "; it lapses on its own)";
            }
        }
        store().update(s -> s.withUser(null, null, null));
        out().println("Signed out " + state.signedInUser() + revocation + (state.effectiveConfiguration().settings().enforceUserAuthentication()
                ? ". This account enforces user authentication: sign in again with parapet-agent login." : "."));
        return 0;
    }
}
