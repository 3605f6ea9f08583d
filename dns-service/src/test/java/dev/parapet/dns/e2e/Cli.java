package dev.parapet.dns.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a real client (dig, kdig, curl) from Debian's packages and returns what it printed. */
final class Cli {

    record Result(int exitCode, String output) {
    }

    private Cli() {
    }

    static Result run(String... command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        // UTF-8, so that dig turns an IDN into punycode as a user's terminal would.
        builder.environment().put("LC_ALL", "C.UTF-8");
        Process process = builder.start();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("timed out: " + String.join(" ", command));
        }
        return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** dig from a source address to the resolver over UDP (TCP if dig falls back), one try. */
    static String dig(String source, int port, String... query) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("dig", "-b", source, "@127.0.0.1", "-p", String.valueOf(port),
                "+tries=1", "+time=3"));
        command.addAll(List.of(query));
        return run(command.toArray(String[]::new)).output();
    }
}
