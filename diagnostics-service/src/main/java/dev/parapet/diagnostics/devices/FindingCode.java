package dev.parapet.diagnostics.devices;

/** What can be wrong with a protected device. */
public enum FindingCode {
    /** The platform is outside the supported matrix (Windows Home, Android, ChromeOS, Linux, versions out of range). */
    UNSUPPORTED_PLATFORM,
    /** The device's clock is off by more than the configured bound. */
    CLOCK_SKEW,
    /** No heartbeat for longer than the configured timeout (or none since enrolment). */
    NO_HEARTBEAT,
    /** The agent is disabled (tamper-protection password used). */
    AGENT_DISABLED,
    /** The agent says it is not protecting the device although enabled (offline, revoked). */
    NOT_PROTECTED,
    /** An older agent than the newest published one. */
    OUTDATED_AGENT,
    /** The agent applies an older configuration than the account's current one. */
    CONFIGURATION_BEHIND,
    /** The agent's last test of policy blocking failed. */
    TEST_BLOCKING_FAILED,
    /**
     * The account enforces user authentication and nobody is signed in on the device: its queries get only
     * the policies for everyone and its location, none of a user's or a profile group's.
     */
    USER_NOT_SIGNED_IN,
    /**
     * A client of the account asks many distinct, long, random-looking names under one registered domain: data sent
     * out through DNS (a tunnel). Raised by the verdicts' analysis ({@code tunnels.TunnelProcessor}), listed at
     * {@code diagnostics/tunnels} and on the live streams, not stored on the device's row (port 53 clients have none).
     */
    DNS_TUNNEL
}
