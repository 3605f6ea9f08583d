package dev.parapet.agent.journey;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Programs the journey runs as a person would: the local stack, the agent's commands, dig. */
final class Processes {

    /** What a finished command printed and how it ended. */
    record Result(int exit, String output) {
    }

    private Processes() {
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** A Java main from this test's classpath, in its own process, output to a file. */
    static Process startJava(String mainClass, List<String> args, Map<String, String> environment, Path output) throws IOException {
        List<String> command = new ArrayList<>(List.of(java(), "-Xmx256m", "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().putAll(environment);
        return builder.start();
    }

    /** One agent command to its end. */
    static Result agent(Path stateDir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(java(), "-cp", System.getProperty("java.class.path"), "dev.parapet.agent.Main"));
        command.addAll(List.of(args));
        command.addAll(List.of("--state-dir", stateDir.toString()));
        return run(command);
    }

    static Result run(List<String> command) throws IOException, InterruptedException {
        return run(command, Map.of());
    }

    static Result run(List<String> command, Map<String, String> environment) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("did not finish: " + command);
        }
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }
}
