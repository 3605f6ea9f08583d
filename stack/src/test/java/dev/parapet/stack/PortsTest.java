package dev.parapet.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class PortsTest {

    @Test
    void aFreePortLiesOutsideTheKernelsEphemeralRangeSoNoOutgoingConnectionCanTakeIt() throws Exception {
        String[] range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim().split("\\s+");
        int ephemeralLow = Integer.parseInt(range[0]);
        int ephemeralHigh = Integer.parseInt(range[1]);
        for (int i = 0; i < 50; i++) {
            int port = Ports.free();
            assertThat(port).isBetween(Ports.FIRST, Ports.LAST);
            assertThat(port < ephemeralLow || port > ephemeralHigh).as("port %d against %d-%d", port, ephemeralLow, ephemeralHigh).isTrue();
        }
    }

    @Test
    void aFreePortCanBeBoundForTcpAndUdpAndIsNeverHandedOutTwice() throws Exception {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            int port = Ports.free();
            assertThat(seen.add(port)).as("port %d handed out twice", port).isTrue();
        }
        int port = Ports.free();
        try (ServerSocket tcp = new ServerSocket();
                DatagramSocket udp = new DatagramSocket(new InetSocketAddress(Ports.loopback(), port))) {
            tcp.bind(new InetSocketAddress(Ports.loopback(), port));
            assertThat(Ports.isListening(port)).isTrue();
        }
    }

    @Test
    void aPortTakenForTcpOrForUdpAloneIsNotFree() throws Exception {
        int tcpPort = Ports.free();
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(Ports.loopback(), tcpPort));
            assertThat(Ports.bindable(tcpPort)).isFalse();
        }
        assertThat(Ports.bindable(tcpPort)).isTrue();
        int udpPort = Ports.free();
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(Ports.loopback(), udpPort))) {
            assertThat(Ports.bindable(udpPort)).isFalse();
        }
    }
}
