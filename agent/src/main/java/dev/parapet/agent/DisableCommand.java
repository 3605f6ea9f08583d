package dev.parapet.agent;

import picocli.CommandLine.Command;

/** {@code disable}: stop filtering (queries go to the system resolver) with the tamper-protection password. */
@Command(name = "disable", mixinStandardHelpOptions = true, description = "Disable the agent (needs the tamper-protection password; wrong: exit 3).")
final class DisableCommand extends TamperCommand {

    @Override
    boolean enabling() {
        return false;
    }
}
