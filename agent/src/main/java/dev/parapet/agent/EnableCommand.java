package dev.parapet.agent;

import picocli.CommandLine.Command;

/** {@code enable}: filter again, with the tamper-protection password. */
@Command(name = "enable", mixinStandardHelpOptions = true, description = "Enable the agent again (needs the tamper-protection password; wrong: exit 3).")
final class EnableCommand extends TamperCommand {

    @Override
    boolean enabling() {
        return true;
    }
}
