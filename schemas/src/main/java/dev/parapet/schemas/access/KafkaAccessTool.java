package dev.parapet.schemas.access;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;

import dev.parapet.schemas.Topic;
import dev.parapet.schemas.Topics;

/**
 * The operator's command for Parapet's Kafka access, run as the admin principal:
 * <pre>
 *   --print                    the ACLs as kafka-acls.sh commands (the default)
 *   --markdown                 the ACLs as the Markdown table of docs/operations.md
 *   --apply --bootstrap-server HOST:PORT --command-config FILE
 *           [--create-topics [--replication-factor 3] [--min-insync-replicas 2]]
 * </pre>
 * {@code --apply} makes the cluster's ACLs of Parapet's principals exactly {@link KafkaAccess#all()}: it adds
 * what is missing and removes what is no longer granted (other principals' ACLs are left alone), so it
 * can run at every deployment. With {@code --create-topics} it first creates the catalogue's topics and
 * their dead-letter topics where missing (services run with {@code parapet.kafka.create-topics=false}).
 */
public final class KafkaAccessTool {

    /** What an apply changed. */
    public record Applied(List<String> createdTopics, List<AclBinding> added, List<AclBinding> removed) {
    }

    private KafkaAccessTool() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command; the exit status: 0 done, 1 the cluster refused or could not be reached, 2 a wrong command line. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Map<String, String> options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println(usage());
            return 2;
        }
        if (options.containsKey("--help")) {
            out.println(usage());
            return 0;
        }
        if (options.containsKey("--markdown")) {
            out.print(AclTable.markdown(KafkaAccess.all()));
            return 0;
        }
        if (!options.containsKey("--apply")) {
            out.print(AclTable.kafkaAclsCommands(KafkaAccess.all()));
            return 0;
        }
        try {
            String bootstrap = required(options, "--bootstrap-server");
            Properties config = new Properties();
            if (options.containsKey("--command-config")) {
                try (InputStream in = Files.newInputStream(Path.of(options.get("--command-config")))) {
                    config.load(in);
                }
            }
            config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            config.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
            boolean createTopics = options.containsKey("--create-topics");
            short replication = Short.parseShort(options.getOrDefault("--replication-factor", "3"));
            int minInsync = Integer.parseInt(options.getOrDefault("--min-insync-replicas", "2"));
            if (replication < 1 || minInsync < 1 || minInsync > replication) {
                throw new IllegalArgumentException("Need 1 <= --min-insync-replicas <= --replication-factor");
            }
            try (Admin admin = Admin.create(config)) {
                Applied applied = apply(admin, createTopics, replication, minInsync);
                applied.createdTopics().forEach(topic -> out.println("created topic " + topic));
                applied.added().forEach(binding -> out.println("added " + binding));
                applied.removed().forEach(binding -> out.println("removed " + binding));
                out.println("ACLs of " + KafkaAccess.byPrincipal().keySet() + " up to date (" + KafkaAccess.all().size()
                        + " bindings; " + applied.added().size() + " added, " + applied.removed().size() + " removed)");
            }
            return 0;
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println(usage());
            return 2;
        } catch (IOException | ExecutionException | TimeoutException e) {
            err.println("Could not apply: " + (e instanceof ExecutionException ? e.getCause() : e));
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /** Creates missing topics (if asked) and makes the ACLs of Parapet's principals exactly the wanted ones. */
    public static Applied apply(Admin admin, boolean createTopics, short replicationFactor, int minInsyncReplicas)
            throws ExecutionException, InterruptedException, TimeoutException {
        List<String> created = createTopics ? createMissingTopics(admin, replicationFactor, minInsyncReplicas) : List.of();
        Set<String> ours = KafkaAccess.byPrincipal().keySet();
        Set<AclBinding> wanted = new HashSet<>(KafkaAccess.all());
        Collection<AclBinding> existing = admin.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS);
        List<AclBinding> toAdd = KafkaAccess.all().stream().filter(binding -> !existing.contains(binding)).toList();
        List<AclBinding> toRemove = existing.stream()
                .filter(binding -> ours.contains(binding.entry().principal()) && !wanted.contains(binding)).toList();
        if (!toAdd.isEmpty()) {
            admin.createAcls(toAdd).all().get(30, TimeUnit.SECONDS);
        }
        if (!toRemove.isEmpty()) {
            admin.deleteAcls(toRemove.stream().map(AclBinding::toFilter).toList()).all().get(30, TimeUnit.SECONDS);
        }
        return new Applied(created, toAdd, toRemove);
    }

    private static List<String> createMissingTopics(Admin admin, short replicationFactor, int minInsyncReplicas)
            throws ExecutionException, InterruptedException, TimeoutException {
        Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        List<NewTopic> missing = new ArrayList<>();
        for (Topic<?> topic : Topics.all()) {
            missing.add(newTopic(topic.name(), topic.partitions(), topic.configs(), replicationFactor, minInsyncReplicas));
            missing.add(newTopic(topic.deadLetterTopic(), 1, Topic.deadLetterConfigs(), replicationFactor, minInsyncReplicas));
        }
        missing.removeIf(topic -> existing.contains(topic.name()));
        if (!missing.isEmpty()) {
            admin.createTopics(missing).all().get(60, TimeUnit.SECONDS);
        }
        return missing.stream().map(NewTopic::name).toList();
    }

    private static NewTopic newTopic(String name, int partitions, Map<String, String> configs, short replicationFactor,
                                     int minInsyncReplicas) {
        Map<String, String> all = new LinkedHashMap<>(configs);
        all.put("min.insync.replicas", Integer.toString(minInsyncReplicas));
        return new NewTopic(name, partitions, replicationFactor).configs(all);
    }

    private static final Set<String> FLAGS = Set.of("--print", "--markdown", "--apply", "--create-topics", "--help");
    private static final Set<String> VALUED = Set.of("--bootstrap-server", "--command-config", "--replication-factor",
            "--min-insync-replicas");

    static Map<String, String> parse(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (FLAGS.contains(arg)) {
                options.put(arg, "");
            } else if (VALUED.contains(arg)) {
                if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                    throw new IllegalArgumentException(arg + " needs a value");
                }
                options.put(arg, args[++i]);
            } else {
                throw new IllegalArgumentException("Unknown option: " + arg);
            }
        }
        long modes = options.keySet().stream().filter(Set.of("--print", "--markdown", "--apply")::contains).count();
        if (modes > 1) {
            throw new IllegalArgumentException("Choose one of --print, --markdown, --apply");
        }
        try {
            Short.parseShort(options.getOrDefault("--replication-factor", "3"));
            Integer.parseInt(options.getOrDefault("--min-insync-replicas", "2"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--replication-factor and --min-insync-replicas take whole numbers");
        }
        return options;
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("--apply needs " + name);
        }
        return value;
    }

    static String usage() {
        return """
                Usage: KafkaAccessTool [--print | --markdown | --apply --bootstrap-server HOST:PORT --command-config FILE
                                        [--create-topics [--replication-factor 3] [--min-insync-replicas 2]]]
                  --print     the ACLs of Parapet's principals as kafka-acls.sh commands (default)
                  --markdown  the same as a Markdown table
                  --apply     add the missing ACLs and remove stale ones of Parapet's principals, as the admin
                              principal of --command-config (Kafka client properties: security.protocol, sasl.*, ssl.*)
                  --create-topics  also create the catalogue's topics and dead-letter topics where missing""";
    }
}
