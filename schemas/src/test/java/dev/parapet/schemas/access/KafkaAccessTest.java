package dev.parapet.schemas.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.parapet.schemas.Topics;

class KafkaAccessTest {

    @ParameterizedTest(name = "{0} on {1}: read {2}, write {3}")
    @CsvSource(delimiterString = "|", textBlock = """
            dns-service         | parapet.policies.v1              | yes | no
            dns-service         | parapet.verdicts.v1              | no  | yes
            dns-service         | parapet.agents.v1                | yes | no
            dns-service         | parapet.account-keys.v1          | yes | no
            dns-service         | parapet.resolver-applied.v1      | no  | yes
            dns-service         | parapet.audit.v1                 | no  | no
            dns-service         | parapet.settings-commands.v1     | no  | no
            dns-service         | parapet.policies.v1.dlt          | no  | yes
            dns-service         | parapet.access-requests-raised.v1 | no | yes
            dns-service         | parapet.access-requests.v1       | yes | no
            settings-service    | parapet.access-requests-raised.v1 | yes | no
            settings-service    | parapet.access-requests.v1       | yes | yes
            diagnostics-service | parapet.access-requests.v1       | no  | no
            key-service         | parapet.agents.v1                | yes | yes
            key-service         | parapet.account-keys.v1          | yes | yes
            key-service         | parapet.key-commands.v1          | yes | yes
            key-service         | parapet.audit.v1                 | no  | yes
            key-service         | parapet.policies.v1              | no  | no
            key-service         | parapet.verdicts.v1              | no  | no
            settings-service    | parapet.agents.v1                | yes | no
            settings-service    | parapet.account-keys.v1          | yes | no
            settings-service    | parapet.policies.v1              | yes | yes
            settings-service    | parapet.accounts.v1              | yes | yes
            settings-service    | parapet.resolver-applied.v1      | yes | no
            settings-service    | parapet.verdicts.v1              | no  | no
            diagnostics-service | parapet.verdicts.v1              | yes | no
            diagnostics-service | parapet.agent-telemetry.v1       | yes | yes
            diagnostics-service | parapet.agents.v1                | yes | no
            diagnostics-service | parapet.agent-settings.v1        | yes | no
            diagnostics-service | parapet.policies.v1              | no  | no
            diagnostics-service | parapet.audit.v1                 | yes | yes
            diagnostics-service | parapet.tunnel-detections.v1     | no  | yes
            dns-service         | parapet.tunnel-detections.v1     | yes | no
            settings-service    | parapet.tunnel-detections.v1     | no  | no
            key-service         | parapet.tunnel-detections.v1     | no  | no
            settings-service    | parapet.siem-destinations.v1     | yes | yes
            diagnostics-service | parapet.siem-destinations.v1     | yes | no
            dns-service         | parapet.siem-destinations.v1     | no  | no
            key-service         | parapet.siem-destinations.v1     | no  | no
            registry            | parapet.registry-journal.v1      | yes | yes
            registry            | parapet.registry-snapshots.v1    | yes | yes
            registry            | parapet.agents.v1                | no  | no
            registry            | parapet.policies.v1              | no  | no
            """)
    void eachPrincipalReadsWhatItConsumesAndWritesWhatItProduces(String principal, String topic, String read, String write) {
        assertThat(allows(principal, ResourceType.TOPIC, topic, AclOperation.READ)).as("read").isEqualTo(read.equals("yes"));
        assertThat(allows(principal, ResourceType.TOPIC, topic, AclOperation.WRITE)).as("write").isEqualTo(write.equals("yes"));
    }

    @Test
    void onlyKeyServiceMayWriteAgentsAndAccountKeysSoNoOtherPrincipalCanMintAnAgentCredential() {
        for (String principal : KafkaAccess.byPrincipal().keySet()) {
            boolean keyService = principal.equals(KafkaAccess.KEY_SERVICE.principal());
            assertThat(allows(principal, ResourceType.TOPIC, Topics.AGENTS.name(), AclOperation.WRITE)).as(principal).isEqualTo(keyService);
            assertThat(allows(principal, ResourceType.TOPIC, Topics.ACCOUNT_KEYS.name(), AclOperation.WRITE)).as(principal).isEqualTo(keyService);
        }
    }

    @Test
    void onlySettingsServiceMayWritePoliciesAndAccounts() {
        for (String principal : KafkaAccess.byPrincipal().keySet()) {
            boolean settings = principal.equals(KafkaAccess.SETTINGS_SERVICE.principal());
            assertThat(allows(principal, ResourceType.TOPIC, Topics.POLICIES.name(), AclOperation.WRITE)).as(principal).isEqualTo(settings);
            assertThat(allows(principal, ResourceType.TOPIC, Topics.ACCOUNTS.name(), AclOperation.WRITE)).as(principal).isEqualTo(settings);
        }
    }

    @Test
    void aStreamsApplicationOwnsItsGroupInternalTopicsAndTransactionalIdsAndNoOthers() {
        String key = "User:key-service";
        assertThat(allows(key, ResourceType.GROUP, "key-service-commands", AclOperation.READ)).isTrue();
        assertThat(allows(key, ResourceType.GROUP, "settings-service-commands", AclOperation.READ)).isFalse();
        assertThat(allows(key, ResourceType.TOPIC, "key-service-commands-account-keys-changelog", AclOperation.CREATE)).isTrue();
        assertThat(allows(key, ResourceType.TOPIC, "key-service-commands-account-keys-changelog", AclOperation.WRITE)).isTrue();
        assertThat(allows(key, ResourceType.TOPIC, "settings-service-commands-policies-changelog", AclOperation.READ)).isFalse();
        assertThat(allows(key, ResourceType.TRANSACTIONAL_ID, "key-service-commands-6a1f-1", AclOperation.WRITE)).isTrue();
        assertThat(allows(key, ResourceType.TRANSACTIONAL_ID, "settings-service-commands-6a1f-1", AclOperation.WRITE)).isFalse();
        assertThat(allows("User:dns-service", ResourceType.GROUP, "dns-service", AclOperation.READ))
                .as("dns-service runs no consumer group: its followers assign partitions").isFalse();
        assertThat(allows("User:registry", ResourceType.GROUP, "apicurio-8c1d", AclOperation.READ)).isTrue();
    }

    @Test
    void noServiceMayCreateReconfigureOrDeleteACatalogueTopic() {
        List<AclOperation> administrative = List.of(AclOperation.CREATE, AclOperation.DELETE, AclOperation.ALTER,
                AclOperation.ALTER_CONFIGS, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALL);
        for (String principal : KafkaAccess.byPrincipal().keySet()) {
            Topics.all().forEach(topic -> administrative.forEach(operation -> {
                assertThat(allows(principal, ResourceType.TOPIC, topic.name(), operation)).as(principal + " " + operation + " " + topic.name()).isFalse();
                assertThat(allows(principal, ResourceType.TOPIC, topic.deadLetterTopic(), operation)).as(principal + " " + operation).isFalse();
            }));
        }
    }

    @Test
    void nothingIsGrantedOnTheClusterOrOnEveryResourceOrFromOnlySomeHosts() {
        assertThat(KafkaAccess.all()).allSatisfy(binding -> {
            assertThat(binding.pattern().resourceType()).isNotEqualTo(ResourceType.CLUSTER);
            assertThat(binding.pattern().name()).isNotEqualTo("*").isNotEmpty();
            assertThat(binding.entry().operation()).isNotEqualTo(AclOperation.ALL);
            assertThat(binding.entry().host()).isEqualTo("*");
        });
        assertThat(KafkaAccess.all()).doesNotHaveDuplicates();
        assertThat(KafkaAccess.byPrincipal().keySet()).containsExactly("User:key-service", "User:settings-service",
                "User:dns-service", "User:diagnostics-service", "User:registry");
        assertThat(KafkaAccess.superUsers()).isEqualTo("User:broker;User:admin");
    }

    @Test
    void everyNameInTheCatalogueIsAServiceOrAKnownOutsideReader() {
        Topics.all().forEach(topic -> {
            assertThat(KafkaAccess.producersOf(topic)).as(topic.name() + " has producers").isNotEmpty();
            KafkaAccess.consumersOf(topic);
        });
        assertThat(KafkaAccess.services("t", "settings-service (global writer)")).containsExactly(KafkaAccess.SETTINGS_SERVICE);
        assertThat(KafkaAccess.services("t", "every service")).containsExactlyElementsOf(KafkaAccess.SERVICES);
        assertThat(KafkaAccess.services("t", "dns-service, archival (outside, by hand)")).containsExactly(KafkaAccess.DNS_SERVICE);
        assertThatThrownBy(() -> KafkaAccess.services("t", "dns-service, dns-sevrice")).hasMessageContaining("'dns-sevrice'");
    }

    @Test
    void theTableAndTheKafkaAclsCommandsSayTheSame() {
        String commands = AclTable.kafkaAclsCommands(KafkaAccess.all());
        assertThat(commands).contains("--allow-principal User:dns-service --operation Write --operation Describe --topic parapet.verdicts.v1\n");
        assertThat(commands).contains("--allow-principal User:key-service --operation Write --operation Describe"
                + " --transactional-id key-service-commands- --resource-pattern-type prefixed\n");
        assertThat(AclTable.markdown(KafkaAccess.all()))
                .contains("| `User:dns-service` | topic | `parapet.verdicts.v1` | Write, Describe |")
                .contains("| `User:registry` | group | `apicurio-`* (prefix) | Read, Describe |");
        assertThat(AclTable.operation(AclOperation.DESCRIBE_CONFIGS)).isEqualTo("DescribeConfigs");
    }

    @Test
    void theAclTableInDocsMatchesTheCatalogue() throws Exception {
        java.nio.file.Path page = java.nio.file.Path.of(System.getProperty("parapet.root", ".."), "docs", "operations.md");
        String text = java.nio.file.Files.readString(page);
        String begin = "<!-- acl-table:begin -->\n";
        String end = "<!-- acl-table:end -->";
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        assertThat(from).as("docs/operations.md has the ACL table's markers").isNotNegative();
        String table = AclTable.markdown(KafkaAccess.all());
        if (Boolean.getBoolean("parapet.regenerate-docs")) {
            text = text.substring(0, from + begin.length()) + table + text.substring(to);
            java.nio.file.Files.writeString(page, text);
        }
        assertThat(text.substring(from + begin.length(), text.indexOf(end)))
                .as("docs/operations.md's ACL table is out of date: run mvn -pl schemas -am test -Dparapet.regenerate-docs=true")
                .isEqualTo(table);
    }

    /** Whether the bindings allow the operation, matched as Kafka's authorizer does (literal or prefix; no deny rules here). */
    static boolean allows(String principal, ResourceType type, String name, AclOperation operation) {
        String fullPrincipal = principal.startsWith("User:") ? principal : "User:" + principal;
        for (AclBinding binding : KafkaAccess.all()) {
            boolean resource = binding.pattern().resourceType() == type && switch (binding.pattern().patternType()) {
                case LITERAL -> binding.pattern().name().equals(name) || binding.pattern().name().equals("*");
                case PREFIXED -> name.startsWith(binding.pattern().name());
                default -> false;
            };
            if (resource && binding.entry().principal().equals(fullPrincipal)
                    && (binding.entry().operation() == operation || binding.entry().operation() == AclOperation.ALL)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void prefixedBindingsAreOnlyThoseOfStreamsApplicationsTheSiemExportsAndTheRegistry() {
        assertThat(KafkaAccess.all().stream().filter(binding -> binding.pattern().patternType() == PatternType.PREFIXED)
                .map(binding -> binding.pattern().name()).distinct())
                .containsExactlyInAnyOrder("key-service-commands-", "settings-service-commands-",
                        "diagnostics-service-aggregates-", "diagnostics-service-siem-", "parapet.registry-", "apicurio-");
    }

    @Test
    void diagnosticsServiceMayJoinAGroupPerSiemDestinationAndNoOtherPrincipalMay() {
        String group = KafkaAccess.SIEM_GROUP_PREFIX + "6f1c2a3e-0d4b-4a8e-9c1f-2b3d4e5f6a7b";
        for (String principal : KafkaAccess.byPrincipal().keySet()) {
            boolean diagnostics = principal.equals("User:diagnostics-service");
            assertThat(allows(principal, ResourceType.GROUP, group, AclOperation.READ)).as(principal).isEqualTo(diagnostics);
            assertThat(allows(principal, ResourceType.GROUP, group, AclOperation.DESCRIBE)).as(principal).isEqualTo(diagnostics);
            assertThat(allows(principal, ResourceType.TOPIC, group, AclOperation.READ)).as("a group prefix, not a topic prefix").isFalse();
        }
        assertThat(allows("User:diagnostics-service", ResourceType.GROUP, "diagnostics-service-sie", AclOperation.READ)).isFalse();
    }
}
