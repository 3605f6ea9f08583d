package dev.parapet.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import javax.naming.Context;
import javax.naming.NamingException;
import javax.naming.directory.BasicAttribute;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;
import javax.naming.directory.ModificationItem;

/**
 * The demo organisation's directory: OpenLDAP's {@code slapd} from Debian's packages, run with a
 * configuration of Parapet's own ({@code deploy/identity/slapd.conf.template}) on loopback, its data
 * loaded once from {@code deploy/identity/directory.ldif} (users ann and bob, groups engineering and
 * sales). The identity provider reads it through a read-only account, {@code cn=keycloak}; the users'
 * passwords can be checked by a bind and read by nobody. Its secrets (the bind password and the
 * directory's own administrator's) are made at the first start and kept, owner-only, in its directory.
 */
public final class Directory implements AutoCloseable {

    public static final String BASE_DN = "dc=demo,dc=parapet,dc=local";
    public static final String BIND_DN = "cn=keycloak," + BASE_DN;
    public static final String ROOT_DN = "cn=admin," + BASE_DN;
    static final Path SLAPD = Path.of("/usr/sbin/slapd");
    static final Path SLAPADD = Path.of("/usr/sbin/slapadd");

    private final ManagedProcess process;
    private final int port;
    private final String bindPassword;
    private final String rootPassword;

    private Directory(ManagedProcess process, int port, String bindPassword, String rootPassword) {
        this.process = process;
        this.port = port;
        this.bindPassword = bindPassword;
        this.rootPassword = rootPassword;
    }

    /** Starts slapd on 127.0.0.1:{@code port} with its data in {@code directory}, loading the demo organisation the first time. */
    public static Directory start(Path directory, int port) {
        if (!Files.isExecutable(SLAPD)) {
            throw new IllegalStateException("OpenLDAP's slapd is not installed (" + SLAPD + "): run .ci/install-prerequisites");
        }
        try {
            Files.createDirectories(directory.resolve("mdb"));
            String bindPassword = secret(directory.resolve("bind-password"));
            String rootPassword = secret(directory.resolve("root-password"));
            Path configuration = directory.resolve("slapd.conf");
            ServiceProcesses.writePrivate(configuration, resource("slapd.conf.template")
                    .replace("@DIR@", directory.toAbsolutePath().toString())
                    .replace("@ROOT_PASSWORD@", ssha(rootPassword)));
            Path loaded = directory.resolve("loaded");
            if (!Files.exists(loaded)) {
                Path ldif = directory.resolve("directory.ldif");
                Files.writeString(ldif, resource("directory.ldif").replace("@KEYCLOAK_BIND_PASSWORD_HASH@", ssha(bindPassword)),
                        StandardCharsets.UTF_8);
                ManagedProcess.runToCompletion("slapadd", List.of(SLAPADD.toString(), "-q", "-f", configuration.toString(), "-l",
                        ldif.toString()), directory, directory.resolve("slapadd.log"), Duration.ofMinutes(1));
                Files.delete(ldif);
                Files.writeString(loaded, "demo organisation loaded from deploy/identity/directory.ldif\n");
            }
            ManagedProcess process = ManagedProcess.start("slapd", List.of(SLAPD.toString(), "-f", configuration.toString(),
                    "-h", "ldap://127.0.0.1:" + port + "/", "-d", "0"), Map.of(), directory, directory.resolve("slapd.log"));
            Directory started = new Directory(process, port, bindPassword, rootPassword);
            try {
                Waits.until("slapd answering on port " + port, Duration.ofSeconds(30), () -> {
                    process.ensureAlive();
                    return started.binds(BIND_DN, bindPassword);
                });
            } catch (RuntimeException e) {
                process.close();
                throw e;
            }
            return started;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code ldap://127.0.0.1:<port>}. */
    public String url() {
        return "ldap://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** The read-only account's password, for the identity provider's federation. */
    public String bindPassword() {
        return bindPassword;
    }

    public ManagedProcess process() {
        return process;
    }

    /** Whether a simple bind with these credentials succeeds (a user's password check). */
    public boolean binds(String dn, String password) {
        try {
            context(dn, password).close();
            return true;
        } catch (NamingException e) {
            return false;
        }
    }

    /** Removes a user ({@code uid}) from a group ({@code cn}), as a directory administrator would. */
    public void removeFromGroup(String uid, String group) {
        modifyGroup(uid, group, DirContext.REMOVE_ATTRIBUTE);
    }

    /** Adds a user ({@code uid}) to a group ({@code cn}). */
    public void addToGroup(String uid, String group) {
        modifyGroup(uid, group, DirContext.ADD_ATTRIBUTE);
    }

    private void modifyGroup(String uid, String group, int operation) {
        try {
            DirContext context = context(ROOT_DN, rootPassword);
            try {
                context.modifyAttributes("cn=" + group + ",ou=groups," + BASE_DN, new ModificationItem[] {
                        new ModificationItem(operation, new BasicAttribute("member", "uid=" + uid + ",ou=people," + BASE_DN))});
            } finally {
                context.close();
            }
        } catch (NamingException e) {
            throw new IllegalStateException("Could not change group " + group + " for " + uid + ": " + e.getMessage(), e);
        }
    }

    private DirContext context(String dn, String password) throws NamingException {
        Hashtable<String, String> environment = new Hashtable<>();
        environment.put(Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.ldap.LdapCtxFactory");
        environment.put(Context.PROVIDER_URL, url());
        environment.put(Context.SECURITY_AUTHENTICATION, "simple");
        environment.put(Context.SECURITY_PRINCIPAL, dn);
        environment.put(Context.SECURITY_CREDENTIALS, password);
        environment.put("com.sun.jndi.ldap.connect.timeout", "2000");
        environment.put("com.sun.jndi.ldap.read.timeout", "5000");
        return new InitialDirContext(environment);
    }

    /** A password kept in a file (made, owner-only, the first time). */
    static String secret(Path file) throws IOException {
        if (!Files.exists(file)) {
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            ServiceProcesses.writePrivate(file, Base64.getUrlEncoder().withoutPadding().encodeToString(random));
        }
        return Files.readString(file, StandardCharsets.US_ASCII).strip();
    }

    /** OpenLDAP's salted SHA-1 form, {@code {SSHA}base64(sha1(password + salt) + salt)}, as slappasswd makes it. */
    static String ssha(String password) {
        try {
            byte[] salt = new byte[8];
            new SecureRandom().nextBytes(salt);
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(password.getBytes(StandardCharsets.UTF_8));
            sha1.update(salt);
            byte[] digest = sha1.digest();
            byte[] both = new byte[digest.length + salt.length];
            System.arraycopy(digest, 0, both, 0, digest.length);
            System.arraycopy(salt, 0, both, digest.length, salt.length);
            return "{SSHA}" + Base64.getEncoder().encodeToString(both);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A file of deploy/identity, which the stack's build puts on its classpath under {@code identity/}. */
    static String resource(String name) {
        return classpathText("/identity/" + name);
    }

    /** A text file of the stack's classpath (UTF-8). */
    static String classpathText(String path) {
        try (InputStream in = Directory.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path.substring(1) + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        process.close();
    }
}
