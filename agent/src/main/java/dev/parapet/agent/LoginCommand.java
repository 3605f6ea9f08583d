package dev.parapet.agent;

import java.util.Locale;
import java.util.regex.Pattern;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code login}: names the user whose queries these are, when the account allows User
 * Authentication. The reference agent takes the user's word for it (a real agent would check the
 * domain credentials or an SSO sign-in); the name is checked against the form dns-service accepts in
 * {@code X-Parapet-User}, so that queries and telemetry name the user the same way.
 */
@Command(name = "login", mixinStandardHelpOptions = true, description = "Sign a user in: their queries are then attributed to them (User Authentication must be on).")
final class LoginCommand extends AgentCommand {

    static final Pattern USER = Pattern.compile("[a-z0-9._%+'-]{1,64}@[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+");

    @Option(names = "--user", required = true, paramLabel = "EMAIL", description = "The user's e-mail address.")
    String user;

    @Option(names = "--identified-by", defaultValue = "DOMAIN_CREDENTIALS", paramLabel = "HOW",
            description = "How the user was identified, as reported: DOMAIN_CREDENTIALS, SSO or LOCAL_ACCOUNT (default: ${DEFAULT-VALUE}).")
    String identifiedBy;

    @Override
    public Integer call() {
        AgentState state = enrolled();
        if (!state.effectiveConfiguration().settings().userAuthentication()) {
            out().println("User Authentication is off for this account: users do not sign in to the agent.");
            return AgentException.NOT_AVAILABLE;
        }
        String normalised = user.strip().toLowerCase(Locale.ROOT);
        if (normalised.length() > 254 || !USER.matcher(normalised).matches()) {
            throw new AgentException(AgentException.FAILED, "'" + Enrolment.printable(user) + "' is not an e-mail address such as ann@example.com");
        }
        if (!java.util.Set.of("DOMAIN_CREDENTIALS", "SSO", "LOCAL_ACCOUNT").contains(identifiedBy)) {
            throw new AgentException(AgentException.FAILED, "--identified-by must be DOMAIN_CREDENTIALS, SSO or LOCAL_ACCOUNT");
        }
        store().update(s -> s.withUser(normalised, identifiedBy));
        out().println("Signed in as " + normalised + (state.configuration() == null ? " (the account's settings are not known yet: "
                + "install defaults allow sign-in)" : "") + ". A running agent attributes queries to this user within a second.");
        return 0;
    }
}
