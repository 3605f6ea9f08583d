package dev.parapet.agent;

import java.time.Clock;
import java.time.Duration;
import java.util.regex.Pattern;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code login}: signs the device's user in with their organisation's identity provider (the OAuth 2.0
 * device authorization grant, {@link UserSignIn}) when the account allows User Authentication. The agent
 * prints a link and a code, the user signs in with their directory credentials in any browser, and from
 * then on every DoH query carries the user's access token, which dns-service verifies: a user can no
 * longer be named, only signed in.
 */
@Command(name = "login", mixinStandardHelpOptions = true, description = "Sign the device's user in through the organisation's "
        + "identity provider: their queries are then attributed to them (User Authentication must be on).")
final class LoginCommand extends AgentCommand {

    /** What an e-mail address looks like to the agent (the address comes from the user's token). */
    static final Pattern USER = Pattern.compile("[a-z0-9._%+'-]{1,64}@[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+");

    @Option(names = "--issuer", paramLabel = "URL", defaultValue = "${env:PARAPET_SIGN_IN_ISSUER}",
            description = "The identity provider's issuer URL, e.g. https://id.example.com/realms/parapet (default: "
                    + "$PARAPET_SIGN_IN_ISSUER, else the one the account's configuration names).")
    String issuer;

    @Option(names = "--client-id", paramLabel = "ID",
            description = "The agent's client id at the identity provider (default: the configuration's, else parapet-agent).")
    String clientId;

    @Override
    public Integer call() throws InterruptedException {
        AgentState state = enrolled();
        if (!state.effectiveConfiguration().settings().userAuthentication()) {
            out().println("User Authentication is off for this account: users do not sign in to the agent.");
            return AgentException.NOT_AVAILABLE;
        }
        AgentConfiguration.SignIn configured = state.effectiveConfiguration().settings().signIn();
        if (issuer == null || issuer.isBlank()) {
            if (configured == null) {
                throw new AgentException(AgentException.FAILED, "The account's configuration names no identity provider (yet): "
                        + "give --issuer URL, or set PARAPET_SIGN_IN_ISSUER.");
            }
            issuer = configured.issuer();
        }
        if (clientId == null || clientId.isBlank()) {
            clientId = configured != null && configured.issuer().equals(issuer) ? configured.clientId() : UserSignIn.DEFAULT_CLIENT_ID;
        }
        UserSignIn signIn = new UserSignIn(HttpClients.create(null), Clock.systemUTC());
        try {
            UserSignIn.Provider provider = signIn.discover(issuer.strip());
            UserSignIn.DeviceAuthorization authorization = signIn.authorize(provider, clientId);
            out().println("To sign in, open this page in a browser and sign in with your directory (domain) credentials:");
            out().println("  " + (authorization.verificationUriComplete() != null ? authorization.verificationUriComplete()
                    : authorization.verificationUri()));
            out().println("or open " + authorization.verificationUri() + " and enter the code " + authorization.userCode());
            out().println("Waiting for the sign-in (until " + authorization.expiresAt() + ") …");
            out().flush();
            AgentState.UserSession session = signIn.await(provider, clientId, authorization, LoginCommand::sleep);
            String email = UserSignIn.email(session.accessToken());
            store().update(s -> s.withUser(email, "DOMAIN_CREDENTIALS", session));
            out().println("Signed in as " + email + ". A running agent attributes queries to this user within a second, "
                    + "and renews the sign-in before it expires.");
            return 0;
        } catch (UserSignIn.SignInFailed e) {
            throw new AgentException(AgentException.FAILED, "Sign-in failed: " + e.getMessage());
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
