package dev.parapet.diagnostics.querylog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** The contract on a real S3 server (S3Proxy 4.1.0 on loopback, its filesystem store). */
class S3ObjectStoreTest extends ObjectStoreContract {

    @Override
    ObjectStore open(Path work) {
        return TestObjectStores.s3("contract");
    }

    @Test
    void keepsItsObjectsUnderItsPrefixAlone() {
        store.create("k", new byte[] {1});
        S3ObjectStore.Location location = TestObjectStores.location("neighbour");
        try (S3ObjectStore neighbour = new S3ObjectStore(location)) {
            assertThat(neighbour.list("", null)).isEmpty();
            assertThat(neighbour.read("k")).isEmpty();
        }
        assertThat(store.list("", null)).extracting(ObjectStore.Listed::key).containsExactly("k");
    }

    @Test
    void refusesALocationThatIsNotABucketAndPrefixAndNeverShowsItsSecret() {
        URI endpoint = URI.create("http://127.0.0.1:9");
        for (String url : new String[] {"s3://", "https://bucket/log", "s3://Bucket_Name/log", "s3://bucket/log/", "s3://bucket//log",
                "s3://bucket/../log"}) {
            assertThatThrownBy(() -> new S3ObjectStore.Location(URI.create(url), endpoint, "us-east-1", true, null, null))
                    .as(url).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> new S3ObjectStore.Location(URI.create("s3://bucket/log"), endpoint, "us-east-1", true, "id", null))
                .isInstanceOf(IllegalArgumentException.class);

        S3ObjectStore.Location location = new S3ObjectStore.Location(URI.create("s3://bucket/query-log/eu"), endpoint, "us-east-1", true,
                "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        assertThat(location.bucket()).isEqualTo("bucket");
        assertThat(location.keyPrefix()).isEqualTo("query-log/eu/");
        assertThat(location.toString()).doesNotContain("wJalrXUtnFEMI").doesNotContain("AKIDEXAMPLE");
        assertThat(new S3ObjectStore.Location(URI.create("s3://bucket"), null, "us-east-1", true, null, null).keyPrefix()).isEmpty();
    }

    @Test
    void refusesToStartOnAStoreThatDoesNotKnowItsKeys() {
        S3ObjectStore.Location proper = TestObjectStores.location("wrong-key");
        S3ObjectStore.Location wrong = new S3ObjectStore.Location(proper.url(), proper.endpoint(), proper.region(), true,
                proper.accessKeyId(), "not-the-secret");
        try (S3ObjectStore store = new S3ObjectStore(wrong)) {
            assertThatThrownBy(store::probe).isInstanceOf(software.amazon.awssdk.services.s3.model.S3Exception.class);
        }
    }
}
