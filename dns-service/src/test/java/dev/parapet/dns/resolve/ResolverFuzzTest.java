package dev.parapet.dns.resolve;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

import dev.parapet.dns.DnsProperties;
import dev.parapet.dns.Standalone;
import dev.parapet.dns.pages.Allowances;
import dev.parapet.dns.pages.BlockNotices;
import dev.parapet.dns.policy.CategoryBits;
import dev.parapet.dns.policy.CategoryState;
import dev.parapet.dns.policy.ResolverState;
import dev.parapet.kit.kafka.RegistryProperties;
import dev.parapet.schemas.v1.verdicts.Transport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The resolver's whole query path (parsing, attribution, policy, the answer) on 1 000 000 generated
 * packets: random bytes, mutations of real queries (bit flips, cuts, inserted bytes, forged counts,
 * compression pointers) and well-formed queries with random names, types and EDNS options. No packet
 * may make it throw or fail; every answer must be a response to the packet's id.
 */
class ResolverFuzzTest {

    static final int PACKETS = 1_000_000;

    @Test
    void aMillionGeneratedPacketsNeverEscape(@TempDir Path directory) throws Exception {
        Path list = directory.resolve("list.txt");
        Files.writeString(list, "blocked.example\nads.example\n");
        DnsResolver resolver = resolver(list);
        SplittableRandom random = new SplittableRandom(20261125);
        byte[][] seeds = {query("www.example.com", 1, false, random), query("blocked.example", 28, true, random),
                query("a.b.c.d.ads.example", 16, true, random), query(".", 2, false, random)};
        InetAddress source = InetAddress.getByName("127.0.0.1");
        int answered = 0;
        int silent = 0;
        for (int i = 0; i < PACKETS; i++) {
            byte[] packet = switch (i % 3) {
                case 0 -> randomBytes(random);
                case 1 -> mutate(seeds[random.nextInt(seeds.length)], random);
                default -> query(randomName(random), random.nextInt(0, 300), random.nextBoolean(), random);
            };
            CompletableFuture<byte[]> future = resolver.answer(packet, Client.of(source, i % 2 == 0 ? Transport.UDP : Transport.TCP))
                    .toCompletableFuture();
            assertThat(future).as("packet %d answered at once (no upstream here)", i).isDone();
            byte[] answer = future.join();
            if (answer == null) {
                silent++;
                continue;
            }
            answered++;
            Message response = new Message(answer);
            assertThat(response.getHeader().getFlag(org.xbill.DNS.Flags.QR)).isTrue();
            assertThat(response.getHeader().getID()).isEqualTo(((packet[0] & 0xff) << 8) | (packet[1] & 0xff));
        }
        System.out.printf("fuzz: %d packets, %d answered, %d dropped%n", PACKETS, answered, silent);
        assertThat(answered).isGreaterThan(PACKETS / 2);
    }

    static DnsResolver resolver(Path list) throws Exception {
        return new StandaloneResolver(list.getParent(), java.nio.file.Files.readAllLines(list), List.of(), Duration.ofMillis(100), null)
                .resolver();
    }

    private static byte[] randomBytes(SplittableRandom random) {
        byte[] bytes = new byte[random.nextInt(0, 600)];
        random.nextBytes(bytes);
        if (bytes.length > 2 && random.nextBoolean()) {
            bytes[2] &= 0x7f; // mostly queries, so that parsing gets past the header
        }
        return bytes;
    }

    private static byte[] mutate(byte[] seed, SplittableRandom random) {
        byte[] packet = seed.clone();
        switch (random.nextInt(5)) {
            case 0 -> {
                for (int flips = random.nextInt(1, 8); flips > 0; flips--) {
                    packet[random.nextInt(packet.length)] ^= (byte) (1 << random.nextInt(8));
                }
            }
            case 1 -> packet = java.util.Arrays.copyOf(packet, random.nextInt(0, packet.length));
            case 2 -> {
                byte[] longer = new byte[packet.length + random.nextInt(1, 40)];
                int at = random.nextInt(packet.length);
                System.arraycopy(packet, 0, longer, 0, at);
                for (int i = at; i < at + longer.length - packet.length; i++) {
                    longer[i] = (byte) random.nextInt(256);
                }
                System.arraycopy(packet, at, longer, at + longer.length - packet.length, packet.length - at);
                packet = longer;
            }
            case 3 -> {
                int count = 4 + 2 * random.nextInt(4); // QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT
                packet[count] = (byte) random.nextInt(256);
                packet[count + 1] = (byte) random.nextInt(256);
            }
            default -> {
                if (packet.length > 14) {
                    int at = random.nextInt(12, packet.length - 1);
                    packet[at] = (byte) (0xC0 | random.nextInt(64)); // a compression pointer, maybe to itself
                    packet[at + 1] = (byte) random.nextInt(256);
                }
            }
        }
        return packet;
    }

    private static String randomName(SplittableRandom random) {
        StringBuilder name = new StringBuilder();
        for (int labels = random.nextInt(1, 6); labels > 0; labels--) {
            for (int i = random.nextInt(1, 20); i > 0; i--) {
                name.append((char) (random.nextInt(4) == 0 ? random.nextInt(33, 127) : 'a' + random.nextInt(26)));
            }
            name.append('.');
        }
        return name.toString();
    }

    private static byte[] query(String name, int type, boolean edns, SplittableRandom random) {
        Name parsed;
        try {
            parsed = Name.fromString(name.endsWith(".") ? name : name + ".");
            if (!parsed.isAbsolute()) {
                parsed = Name.concatenate(parsed, Name.root);
            }
        } catch (Exception e) {
            parsed = Name.root;
        }
        Message message = Message.newQuery(Record.newRecord(parsed, type, random.nextInt(8) == 0 ? random.nextInt(0, 65536) : 1));
        message.getHeader().setID(random.nextInt(65536));
        if (edns) {
            byte[] data = new byte[random.nextInt(0, 40)];
            random.nextBytes(data);
            List<EDNSOption> options = List.of(new GenericEDNSOption(random.nextInt(0, 65536), data));
            message.addRecord(new OPTRecord(random.nextInt(0, 65536), 0, 0, random.nextInt(2) == 0 ? 0 : 0x8000, options),
                    Section.ADDITIONAL);
        }
        return message.toWire();
    }
}
