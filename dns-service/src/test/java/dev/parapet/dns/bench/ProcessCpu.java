package dev.parapet.dns.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * CPU time used so far, user and kernel, by this process and by another one read from {@code /proc}, so that a
 * load generator can print what it cost beside what it measured: on a shared 2-core machine a generator that
 * takes a core is part of the figure.
 */
final class ProcessCpu {

    /** Linux's clock ticks per second for /proc/PID/stat (getconf CLK_TCK). */
    private static final double TICKS = 100;

    private ProcessCpu() {
    }

    /** This process's CPU seconds. */
    static double self() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    /** Another process's CPU seconds (utime + stime), or NaN once it is gone. */
    static double of(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /**
     * Of the processes whose command line contains {@code fragment}, other than this one, the one that has used
     * the most CPU: the JVM rather than a launcher or wrapper that started it with the same arguments.
     */
    static Optional<Long> busiest(String fragment) {
        return ProcessHandle.allProcesses().filter(process -> process.pid() != ProcessHandle.current().pid())
                .filter(process -> process.info().commandLine().map(line -> line.contains(fragment)).orElse(false))
                .map(ProcessHandle::pid).max(java.util.Comparator.comparingDouble(ProcessCpu::of));
    }

    /** The 1-, 5- and 15-minute load averages, as /proc/loadavg has them. */
    static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            return "?";
        }
    }
}
