package dev.parapet.agent.journey;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The Administration Console in a real browser (the system's headless Chromium through its chromedriver) against the
 * whole local stack: an administrator signs in on the identity provider's page, changes an agent setting, generates and
 * reveals a tamper-protection password, deletes the key through the confirmation dialog with the keyboard only and
 * creates a new one, and each step is checked against the services' own API; a Basic Administrator is refused what the
 * API refuses it; every page passes axe-core's serious and critical rules. Screenshots go to
 * {@code target/console-screenshots/} (docs/console.md shows them).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final String CONSOLE = "http://127.0.0.1:18120";
    static final Duration WAIT = Duration.ofSeconds(30);
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static ChromeDriverService service;
    static ChromeDriver browser;
    static Path screenshots;
    static Path downloads;

    @BeforeAll
    static void open() throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new AssertionError("The console's browser test needs Debian's chromium and chromium-driver: run .ci/install-prerequisites.");
        }
        JourneyStack.start();
        screenshots = Files.createDirectories(Path.of("target", "console-screenshots").toAbsolutePath());
        downloads = Files.createTempDirectory(JourneyStack.work, "downloads-");
        service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort()
                .withLogFile(new File("target/console-chromedriver.log")).build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--window-size=1280,900", "--disable-background-networking", "--disable-component-update",
                "--disable-features=OptimizationGuideModelDownloading,OptimizationHints,OnDeviceModelService,MediaRouter",
                "--user-data-dir=" + Files.createTempDirectory(JourneyStack.work, "chromium-"));
        options.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(),
                "download.prompt_for_download", false));
        browser = new ChromeDriver(service, options);
        // Headless Chromium saves downloads only where it is told to, through the DevTools protocol.
        browser.executeCdpCommand("Browser.setDownloadBehavior", Map.of("behavior", "allow", "downloadPath", downloads.toString()));
    }

    @AfterAll
    static void close() {
        if (browser != null) {
            browser.quit();
        }
        if (service != null) {
            service.stop();
        }
    }

    @Test
    @Order(1)
    void anAdministratorManagesTheAgentSettingsTamperProtectionAndTheKeyInTheConsole() throws Exception {
        signIn("admin@demo.parapet.local");
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("who"), "SUPER_ADMIN"));
        assertThat(browser.findElement(By.id("who")).getText()).contains(JourneyStack.account);
        assertThat(browser.findElement(By.id("account-switch-label")).isDisplayed()).as("no account switch: it manages none").isFalse();
        waitFor(driver -> !driver.findElement(By.id("settings-meta")).getText().isEmpty());
        screenshot("agent-settings");
        assertAccessible("agent settings");

        // The Settings tab: a switch changed and saved is the API's state.
        boolean before = api("GET", "agent-settings").get("manageUpdates").asBoolean();
        browser.findElement(By.id("manageUpdates")).click();
        browser.findElement(By.id("save-settings")).click();
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("notice"), "saved"));
        assertThat(api("GET", "agent-settings").get("manageUpdates").asBoolean()).isEqualTo(!before);
        // Changed by a person, named as people know them: the email address their sign-in named, not the token's subject.
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("settings-meta"), "Last changed by admin@demo.parapet.local"));

        // Tamper Protection: generated, hidden until the eye is pressed, then the API's own password.
        browser.findElement(By.id("generate-password")).click();
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("notice"), "new tamper-protection password"));
        assertThat(browser.findElement(By.id("current-password")).getText()).contains("•");
        browser.findElement(By.id("reveal-current")).click();
        waitFor(driver -> !driver.findElement(By.id("current-password")).getText().contains("•"));
        String shown = browser.findElement(By.id("current-password")).getText();
        assertThat(shown).isEqualTo(api("GET", "tamper-protection?reveal=true").get("currentPassword").asText());
        assertThat(browser.findElement(By.id("reveal-current")).getAttribute("aria-pressed")).isEqualTo("true");
        screenshot("tamper-protection");

        // The Installation tab, reached with the keyboard (arrow keys move between tabs).
        browser.findElement(By.id("tab-settings")).sendKeys(Keys.ARROW_RIGHT);
        waitFor(ExpectedConditions.visibilityOfElementLocated(By.id("panel-installation")));
        if (!browser.findElement(By.id("create-key")).isEnabled()) {
            assertThat(browser.findElement(By.id("key")).getText()).contains("•");
        } else {
            browser.findElement(By.id("create-key")).click();
            waitFor(driver -> !driver.findElement(By.id("create-key")).isEnabled());
        }
        // The enrolled agents, paged by key-service (its total through the console).
        int enrolled = api("GET", "agents").size();
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("agents-position"), " of " + enrolled + ", newest first"));
        screenshot("installation");
        assertAccessible("installation");

        // Download Key: a file named CustomerKey holding the account's key.
        browser.findElement(By.id("download-key")).click();
        Path customerKey = downloads.resolve("CustomerKey");
        waitFor(driver -> Files.isRegularFile(customerKey));
        String revealedKey = api("GET", "key?reveal=true").get("key").asText();
        assertThat(Files.readString(customerKey)).contains("ParapetKey=" + revealedKey);

        // Delete Key behind its dialog, keyboard only: Escape keeps the key; Enter on the button, Tab to confirm, Enter deletes.
        WebElement delete = browser.findElement(By.id("delete-key"));
        delete.sendKeys(Keys.ENTER);
        waitFor(driver -> driver.findElement(By.id("delete-dialog")).getAttribute("open") != null);
        screenshot("delete-key-dialog");
        assertThat(browser.switchTo().activeElement().getAttribute("id")).isEqualTo("delete-cancel");
        browser.switchTo().activeElement().sendKeys(Keys.ESCAPE);
        waitFor(driver -> driver.findElement(By.id("delete-dialog")).getAttribute("open") == null);
        assertThat(api("GET", "key").get("status").asText()).isEqualTo("ACTIVE");
        delete.sendKeys(Keys.ENTER);
        waitFor(driver -> driver.findElement(By.id("delete-dialog")).getAttribute("open") != null);
        browser.switchTo().activeElement().sendKeys(Keys.TAB);
        assertThat(browser.switchTo().activeElement().getAttribute("id")).isEqualTo("delete-confirm");
        browser.switchTo().activeElement().sendKeys(Keys.ENTER);
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("notice"), "The key was deleted"));
        assertThat(status("GET", "key")).isEqualTo(404);

        // Create Key: the account has a key again, shown masked.
        browser.findElement(By.id("create-key")).click();
        waitFor(driver -> !driver.findElement(By.id("create-key")).isEnabled());
        assertThat(api("GET", "key").get("status").asText()).isEqualTo("ACTIVE");
        assertThat(browser.findElement(By.id("key")).getText()).contains("•");
    }

    @Test
    @Order(2)
    void eachRoleIsOfferedWhatItMayDoAndTheApiStillRefusesTheRest() throws Exception {
        // A Basic Administrator may change settings but not delete the key: the button is not offered, and the API
        // refuses the call anyway when the page makes it.
        signIn("basic@demo.parapet.local");
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("who"), "BASIC_ADMIN"));
        browser.findElement(By.id("tab-installation")).click();
        waitFor(ExpectedConditions.visibilityOfElementLocated(By.id("delete-key-note")));
        assertThat(browser.findElement(By.id("delete-key")).isDisplayed()).isFalse();
        assertThat(browser.findElement(By.id("create-key")).isDisplayed()).isTrue();
        String key = api("GET", "key").get("keyId").asText();
        assertThat(fromThePage("DELETE", "key?confirm=true", null)).isEqualTo(403);
        assertThat(api("GET", "key").get("keyId").asText()).isEqualTo(key);
        screenshot("basic-administrator");
        signOut();

        // A custom role with web-security:read only: everything shown, nothing changeable, and a change made from the
        // page anyway is refused by settings-service.
        signIn("custom@demo.parapet.local");
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("who"), "CUSTOM"));
        waitFor(ExpectedConditions.visibilityOfElementLocated(By.id("read-only")));
        waitFor(driver -> !driver.findElement(By.id("settings-meta")).getText().isEmpty());
        assertThat(browser.findElement(By.id("save-settings")).isEnabled()).isFalse();
        assertThat(browser.findElement(By.id("generate-password")).isEnabled()).isFalse();
        assertThat(browser.findElement(By.id("manageUpdates")).isEnabled()).isFalse();
        long version = api("GET", "agent-settings").get("version").asLong();
        assertThat(fromThePage("PUT", "agent-settings",
                "{\"userAuthentication\":true,\"enforceUserAuthentication\":true,\"manageUpdates\":true}")).isEqualTo(403);
        assertThat(api("GET", "agent-settings").get("version").asLong()).isEqualTo(version);
        screenshot("custom-role-read-only");
        signOut();
    }

    /** The status of an API call the page makes itself, through the console, with the session's CSRF token. */
    static long fromThePage(String method, String path, String body) {
        Object status = browser.executeAsyncScript("""
                const [method, path, body, done] = arguments;
                fetch('/console/session', {headers: {Accept: 'application/json'}}).then(r => r.json()).then(s => {
                  const headers = {[s.csrfHeader]: s.csrfToken, Accept: 'application/json'};
                  if (body !== null) headers['Content-Type'] = 'application/json';
                  return fetch('/api/v1/accounts/' + s.account + '/' + path, {method, headers, body: body ?? undefined});
                }).then(r => done(r.status)).catch(e => done(-1));
                """, method, path, body);
        return ((Number) status).longValue();
    }

    @Test
    @Order(3)
    void withoutASessionTheApiIsRefusedAndPagesSendToTheIdentityProvider() throws Exception {
        HttpResponse<String> api = HTTP.send(HttpRequest.newBuilder(URI.create(CONSOLE + "/api/v1/accounts/" + JourneyStack.account
                + "/agent-settings")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(api.statusCode()).isEqualTo(401);
        HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create(CONSOLE + "/")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(302);
        assertThat(page.headers().firstValue("Location").orElseThrow()).endsWith("/oauth2/authorization/parapet");
        HttpResponse<String> styles = HTTP.send(HttpRequest.newBuilder(URI.create(CONSOLE + "/console.css")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(styles.headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("script-src 'self'", "frame-ancestors 'none'", "default-src 'none'");
    }

    @Test
    @Order(4)
    void anAdministratorSetsUpLocationsGroupsPoliciesAndExceptionsAndTheResolversExplainTheOutcome() throws Exception {
        removeLeftovers();
        signIn("admin@demo.parapet.local");
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("who"), "SUPER_ADMIN"));

        // Locations: a range that is not one is refused beside its field; the fixed one is saved and listed.
        go("locations");
        click("new-location");
        type("location-name", "Console office");
        type("location-cidrs", "198.51.100.0/24\nnot-a-range");
        click("save-location");
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("location-cidrs-error"), "not-a-range"));
        type("location-cidrs", "198.51.100.0/24");
        click("save-location");
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("location-table"), "Console office"));
        assertThat(text("location-table")).contains("198.51.100.0/24");
        screenshot("locations");
        assertAccessible("locations");

        // Profile groups: the directory's groups are offered by name.
        go("profile-groups");
        click("new-group");
        type("group-name", "Console engineers");
        type("group-members", "carol@example.com");
        waitFor(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#group-directory input[value='engineering']")));
        browser.findElement(By.cssSelector("#group-directory input[value='engineering']")).click();
        click("save-group");
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("group-table"), "Console engineers"));
        assertThat(text("group-table")).contains("engineering");
        screenshot("profile-groups");
        assertAccessible("profile groups");

        // Policies: a Block List whose bad entry is shown beside the list it is in, then saved, then a list file imported
        // into it with its report (kept, refused by line number).
        go("policies");
        click("new-policy");
        type("policy-name", "Console block list");
        type("policy-priority", "40");
        type("policy-blocked", "console-blocked.example\nnot a name!");
        click("save-policy");
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("policy-blockAllowList.blocked-error"), "not a name!"));
        type("policy-blocked", "console-blocked.example");
        click("save-policy");
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("policy-table"), "Console block list"));
        waitFor(ExpectedConditions.visibilityOfElementLocated(By.id("policy-import")));
        Path list = Files.writeString(JourneyStack.work.resolve("console-list.txt"),
                "# a list file\nimported-one.example\n0.0.0.0 imported-two.example\nthis is not a name\n");
        browser.findElement(By.id("import-file")).sendKeys(list.toString());
        click("start-import");
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("import-report"), "domains kept"));
        assertThat(text("import-report")).contains("2 domains kept", "1 refused");
        browser.findElement(By.cssSelector("#import-report summary")).click();
        assertThat(text("import-report")).contains("line 4: this is not a name");
        JsonNode saved = policyNamed("Console block list");
        assertThat(saved.get("blockedCount").asInt()).isEqualTo(3);
        screenshot("policy-editor");
        // The preview: the change replayed over the last 7 days of the query log by the resolvers; nothing saved.
        click("preview-policy");
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("policy-preview"), "Replayed"));
        assertThat(text("policy-preview")).contains("distinct name, user, device and location tuples");
        assertThat(policyNamed("Console block list").get("blockedCount").asInt()).isEqualTo(3);
        screenshot("policy-preview");
        assertAccessible("policy preview");
        click("cancel-policy");

        // A Category Filtering policy for the profile group: scope picked, a catalogue group chosen whole.
        click("new-policy");
        type("policy-name", "Console categories");
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("policy-type"))).selectByValue("CATEGORY_FILTERING");
        click("scope-some");
        browser.findElement(By.xpath("//div[@id='scope-groups']//label[contains(., 'Console engineers')]/input")).click();
        WebElement firstGroup = browser.findElement(By.cssSelector("#policy-groups select"));
        new org.openqa.selenium.support.ui.Select(firstGroup).selectByValue("ALL");
        click("save-policy");
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("policy-table"), "Console categories"));
        assertThat(policyNamed("Console categories").get("scope").get("profileGroups")).hasSize(1);
        assertThat(text("policy-table")).contains("group Console engineers");
        assertAccessible("policies");

        // Explain: the resolvers' own answer for a name on the list, once they enforce it.
        type("explain-name", "www.imported-two.example");
        waitFor(driver -> {
            driver.findElement(By.id("explain-submit")).click();
            return driver.findElement(By.id("explain-result")).getText().contains("Console block list");
        });
        assertThat(text("explain-result")).contains("BLOCKED", "imported-two.example");
        screenshot("policies");

        // Exceptions: a bad entry shown beside its field; nothing saved.
        go("exceptions");
        waitFor(driver -> !driver.findElement(By.id("exception-domains")).getAttribute("value").isEmpty());
        String domains = browser.findElement(By.id("exception-domains")).getAttribute("value");
        browser.findElement(By.id("exception-domains")).sendKeys("\nnot a domain!");
        click("save-exceptions");
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("exceptions-domains-error"), "not a domain!"));
        assertThat(api("GET", "exceptions").get("domains")).hasSize(domains.split("\n").length);
        screenshot("exceptions");
        assertAccessible("exceptions");

        // The catalogue and the device inventory (paged by diagnostics-service, searched there).
        go("categories");
        waitFor(driver -> driver.findElements(By.cssSelector("#category-list section")).size() > 0);
        screenshot("categories");
        assertAccessible("categories");
        go("devices");
        waitFor(driver -> driver.findElement(By.id("devices-position")).getText().contains(" of "));
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("tunnel-table"), "None in the last 30 days."));
        screenshot("devices");
        type("device-search", "no-such-host-anywhere");
        browser.findElement(By.cssSelector("#device-filters button[type='submit']")).click();
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("devices-position"), "0 of 0"));
        assertAccessible("devices");

        // Reports: the chart and tables from diagnostics-service, and the live counters streamed through the console.
        go("reports");
        waitFor(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#report-chart svg.chart")));
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("live-state"), "Live, at"));
        assertThat(browser.findElement(By.cssSelector("#live-chart svg")).getAttribute("aria-label")).startsWith("The last");
        assertThat(text("report-totals")).contains("Queries", "Stopped");
        assertThat(browser.findElement(By.cssSelector("#report-chart svg.chart")).getAttribute("aria-label")).startsWith("Queries over time");
        screenshot("reports");
        assertAccessible("reports");

        // The audit log: the policy changes just made, who made them and their states, filtered by what they concern.
        go("audit");
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("audit-action"))).selectByValue("policy.");
        browser.findElement(By.cssSelector("#audit-filters button[type='submit']")).click();
        waitFor(driver -> text("audit-table").contains("policy.import") && text("audit-table").contains("policy.create"));
        assertThat(text("audit-table")).doesNotContain("tamper-password.", "key.");
        browser.findElement(By.cssSelector("#audit-table details summary")).click();
        assertThat(text("audit-table")).contains("Console");
        screenshot("audit-log");
        assertAccessible("audit log");

        // Deleting goes through the confirmation dialog; cancelled, nothing is deleted.
        go("policies");
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("policy-table"), "Console categories"));
        deleteRow("policy-table", "Console categories", false);
        assertThat(policyNamed("Console categories")).isNotNull();
        deleteRow("policy-table", "Console categories", true);
        deleteRow("policy-table", "Console block list", true);
        waitFor(driver -> !text("policy-table").contains("Console"));
        go("profile-groups");
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("group-table"), "Console engineers"));
        deleteRow("group-table", "Console engineers", true);
        go("locations");
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("location-table"), "Console office"));
        deleteRow("location-table", "Console office", true);
        waitFor(driver -> !text("location-table").contains("Console office"));
        assertThat(policyNamed("Console block list")).isNull();
        signOut();
    }

    @Test
    @Order(5)
    void aPartnerAdministratorSwitchesToAnAccountItManagesAndChangesItThereOnly() throws Exception {
        // The local stack's demo account manages "Demo Branch" as a partner; its Partner Administrator may act in both.
        JsonNode managed = api("GET", "managed-accounts");
        String branch = null;
        for (JsonNode account : managed) {
            if (account.get("name").asText().equals("Demo Branch")) {
                branch = account.get("accountId").asText();
            }
        }
        assertThat(branch).as("the demo account manages Demo Branch: " + managed).isNotNull();
        boolean demoManageUpdates = api("GET", "agent-settings").get("manageUpdates").asBoolean();

        signIn("partner@demo.parapet.local");
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("who"), "PARTNER_ADMIN"));
        waitFor(ExpectedConditions.visibilityOfElementLocated(By.id("account-switch")));
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("account-switch"))).selectByVisibleText("Demo Branch");
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("acting"), "You are acting in Demo Branch"));
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("who"), branch));
        // The managed account's own settings: changed there, read back after a reload, and the partner's own untouched.
        waitFor(driver -> driver.findElement(By.id("manageUpdates")).isEnabled());
        boolean branchBefore = browser.findElement(By.id("manageUpdates")).isSelected();
        browser.findElement(By.id("manageUpdates")).click();
        click("save-settings");
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("notice"), "saved"));
        browser.navigate().refresh();
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("acting"), "Demo Branch"));
        waitFor(driver -> driver.findElement(By.id("manageUpdates")).isSelected() == !branchBefore);
        assertThat(api("GET", "agent-settings").get("manageUpdates").asBoolean()).isEqualTo(demoManageUpdates);
        screenshot("partner-account-switch");
        assertAccessible("a managed account");
        // The audit log of the managed account names the partner who changed it.
        go("audit");
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("audit-table"), "agent-settings"));

        // Back to its own account.
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("account-switch"))).selectByVisibleText("Your account");
        waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("who"), JourneyStack.account));
        assertThat(browser.findElement(By.id("acting")).isDisplayed()).isFalse();
        signOut();
    }

    @Test
    @Order(6)
    void aUserAsksForABlockedSiteOnItsBlockPageAndAnAdministratorAllowsItForThatClientOnlyUntilEndingIt() throws Exception {
        // An office of loopback addresses and a name blocked there.
        String office = "127.0.77.5";
        String neighbour = "127.0.77.6";
        String name = "access-requested.example";
        for (JsonNode location : api("GET", "locations")) {
            if (location.get("name").asText().equals("Console access office")) {
                status("DELETE", "locations/" + location.get("locationId").asText());
            }
        }
        JsonNode location = send("POST", "locations", "{\"name\":\"Console access office\",\"cidrs\":[\"127.0.77.0/24\"]}");
        JsonNode policy = send("POST", "policies", "{\"name\":\"Console access block\",\"type\":\"BLOCK_ALLOW_LIST\","
                + "\"scope\":{\"everyone\":true},\"blockAllowList\":{\"blocked\":[\"" + name + "\"]}}");
        try {
            JourneyTest.await("the office's queries for the name blocked", Duration.ofSeconds(30),
                    () -> dig(office, name).contains("EDE: 15"));

            // The block page, as the office's browser reaches it: a reason, then Ask for access.
            String page = curl(office, "--header", "Host: " + name, "http://127.0.0.1:" + BLOCK_PAGE_HTTP_PORT + "/");
            assertThat(page).contains("Ask for access to " + name);
            java.util.regex.Matcher ticket = java.util.regex.Pattern.compile("name=\"ticket\" value=\"([^\"]+)\"").matcher(page);
            assertThat(ticket.find()).isTrue();
            String asked = curl(office, "--header", "Host: " + name, "--data-urlencode", "ticket=" + ticket.group(1),
                    "--data-urlencode", "reason=The supplier portal for the Leeds tender",
                    "http://127.0.0.1:" + BLOCK_PAGE_HTTP_PORT + "/request-access");
            assertThat(asked).contains("Access requested: " + name);

            // The administrator sees it with its reason and approves it for an hour.
            signIn("admin@demo.parapet.local");
            go("access-requests");
            waitFor(driver -> {
                if (!text("access-table").contains(name)) {
                    new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("access-status"))).selectByValue("all");
                    new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("access-status"))).selectByValue("pending");
                }
                return text("access-table").contains(name);
            });
            assertThat(text("access-table")).contains("The supplier portal for the Leeds tender", "address " + office, "Console access block");
            screenshot("access-requests");
            assertAccessible("access requests");
            clickWhenThere(By.xpath("//table[@id='access-table']//button[@aria-label='Approve " + name + " for address " + office + "']"));
            waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("notice"), "is allowed for address " + office));

            // dns-service enforces it for that client only.
            JourneyTest.await("the approval enforced for the office client", Duration.ofSeconds(10),
                    () -> !dig(office, name).contains("EDE: 15"));
            assertThat(dig(neighbour, name)).as("another client of the office").contains("EDE: 15");

            // Ended early from the console: blocked again; the decisions are in the audit log.
            new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("access-status"))).selectByValue("approved");
            clickWhenThere(By.xpath("//table[@id='access-table']//button[@aria-label='End the allow of " + name + " for address "
                    + office + "']"));
            waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("notice"), "is ended"));
            JourneyTest.await("the end enforced", Duration.ofSeconds(10), () -> dig(office, name).contains("EDE: 15"));

            // Activity: who at the office was sent to the block page for the name, from the query log (which trails the
            // queries by its batch delay), by name and location; the rows name the policy and the location.
            go("activity");
            type("activity-name", name);
            waitFor(ExpectedConditions.presenceOfElementLocated(
                    By.xpath("//select[@id='activity-location']/option[text()='Console access office']")));
            new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("activity-location"))).selectByVisibleText("Console access office");
            new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("activity-action"))).selectByValue("BLOCKED");
            waitFor(driver -> {
                driver.findElement(By.cssSelector("#activity-filters button[type='submit']")).click();
                return text("activity-table").contains("Address " + office) && text("activity-table").contains("Address " + neighbour);
            });
            assertThat(text("activity-table")).contains(name, "Blocked", "Block list", "Console access office", "Console access block")
                    .doesNotContain("No query matches");
            assertThat(text("activity-position")).matches("1–\\d+ of \\d+ .*");
            screenshot("activity");
            assertAccessible("activity");
            type("activity-name", "no-such-name-anywhere.example");
            browser.findElement(By.cssSelector("#activity-filters button[type='submit']")).click();
            waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("activity-table"), "No query matches."));

            // The log's settings: a retention saved and read back, a bad one refused beside its field; a re-identification
            // refused without a reason, then answered "no identity" for a pseudonym the log does not hold (and audited).
            openLogSettings();
            waitFor(driver -> !driver.findElement(By.id("retention-allowed")).getAttribute("value").isEmpty());
            saveRetention("400", "200");
            waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("retention-securityDays-error"), "must be at least allowedDays"));
            saveRetention("20", "200");
            waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("notice"), "The retention is saved"));
            go("reports");
            go("activity");
            openLogSettings();
            waitFor(driver -> "20".equals(driver.findElement(By.id("retention-allowed")).getAttribute("value")));
            assertThat(browser.findElement(By.id("retention-security")).getAttribute("value")).isEqualTo("200");
            saveRetention("30", "365");
            waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("notice"), "The retention is saved"));
            type("reidentify-pseudonym", "anon-00000000000000000000");
            type("reidentify-reason", "why");
            click("reidentify");
            waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("reidentify-reason-error"), "must say why"));
            type("reidentify-reason", "Console test: a pseudonym nobody has");
            click("reidentify");
            waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("notice"), "No identity behind anon-00000000000000000000"));
            assertAccessible("activity settings");

            // The SIEM destination: none yet; text that is no certificate refused beside its field; a receiver with a CA
            // saved (the local stack allows one on this machine), shown with its authority, then no longer sent to.
            browser.findElement(By.cssSelector("#siem-settings summary")).click();
            waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("siem-current"), "not sent to a SIEM"));
            type("siem-host", "127.0.0.1");
            type("siem-ca", "not a certificate");
            click("save-siem");
            waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("siem-caCertificates-error"), "no PEM certificate"));
            Path ca = Files.createTempDirectory(JourneyStack.work, "siem-").resolve("ca.pem");
            Processes.Result made = Processes.run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", ca.resolveSibling("ca.key").toString(), "-out", ca.toString(), "-days", "2", "-subj", "/CN=Console SIEM CA"));
            assertThat(made.exit()).as(made.output()).isZero();
            type("siem-ca", Files.readString(ca));
            new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("siem-format"))).selectByValue("CEF");
            click("save-siem");
            waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("notice"), "Queries now go to 127.0.0.1:6514"));
            assertThat(text("siem-current")).contains("as CEF", "CN=Console SIEM CA");
            assertThat(send("GET", "siem-destination", "").get("format").asText()).isEqualTo("CEF");
            assertAccessible("SIEM destination");
            click("remove-siem");
            waitFor(driver -> driver.findElement(By.id("confirm-dialog")).getAttribute("open") != null);
            click("confirm-ok");
            waitFor(ExpectedConditions.textToBePresentInElementLocated(By.id("notice"), "no longer sent to a SIEM"));
            go("audit");
            new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("audit-action"))).selectByValue("access-request.");
            browser.findElement(By.cssSelector("#audit-filters button[type='submit']")).click();
            waitFor(driver -> text("audit-table").contains("access-request.approve") && text("audit-table").contains("access-request.revoke")
                    && text("audit-table").contains("access-request.create"));
            signOut();
        } finally {
            status("DELETE", "policies/" + policy.get("policyId").asText());
            status("DELETE", "locations/" + location.get("locationId").asText());
        }
    }

    static final int BLOCK_PAGE_HTTP_PORT = 18180;

    static String dig(String from, String name) {
        try {
            return Processes.run(List.of("dig", "-b", from, "@127.0.0.1", "-p", "10053", "+time=2", "+tries=1", name, "A")).output();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String curl(String from, String... arguments) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("curl", "--silent", "--show-error", "--max-time", "15", "--interface", from));
        command.addAll(List.of(arguments));
        Processes.Result result = Processes.run(command);
        assertThat(result.exit()).as(result.output()).isZero();
        return result.output();
    }

    /** A call with a JSON body to the services' own API, as the demo account's automation client. */
    static JsonNode send(String method, String path, String json) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:18102/api/v1/accounts/"
                        + JourneyStack.account + "/" + path)).header("Authorization", "Bearer " + JourneyStack.freshToken())
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isBetween(200, 299);
        return JSON.readTree(response.body());
    }

    static void go(String page) {
        browser.findElement(By.cssSelector("nav a[href='#" + page + "']")).click();
        waitFor(ExpectedConditions.visibilityOfElementLocated(By.id(page)));
    }

    /** Opens the Activity page's log settings, unless they are still open from before. */
    static void openLogSettings() {
        if (browser.findElement(By.id("log-settings")).getAttribute("open") == null) {
            browser.findElement(By.cssSelector("#log-settings summary")).click();
        }
    }

    static void saveRetention(String allowedDays, String securityDays) {
        type("retention-allowed", allowedDays);
        type("retention-security", securityDays);
        click("save-retention");
    }

    static void click(String id) {
        browser.findElement(By.id(id)).click();
    }

    static void type(String id, String text) {
        WebElement field = browser.findElement(By.id(id));
        field.clear();
        field.sendKeys(text);
    }

    static String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    /** Clicks what the locator finds once it is there, again if the page re-rendered it in between. */
    static void clickWhenThere(By locator) {
        waitFor(driver -> {
            driver.findElement(locator).click();
            return true;
        });
    }

    static void deleteRow(String table, String name, boolean confirm) {
        clickWhenThere(By.xpath("//table[@id='" + table + "']//button[@aria-label='Delete " + name + "']"));
        waitFor(driver -> driver.findElement(By.id("confirm-dialog")).getAttribute("open") != null);
        browser.findElement(By.cssSelector(confirm ? "#confirm-ok" : "#confirm-dialog button[value='cancel']")).click();
        waitFor(driver -> driver.findElement(By.id("confirm-dialog")).getAttribute("open") == null);
        if (confirm) {
            waitFor(driver -> driver.findElements(By.xpath("//table[@id='" + table + "']//th[text()='" + name + "']")).isEmpty());
        }
    }

    /** What an earlier, failed run against the same stack left (its names start with "Console "). */
    static void removeLeftovers() throws Exception {
        for (String[] kind : new String[][] {{"policies", "policyId"}, {"profile-groups", "groupId"}, {"locations", "locationId"}}) {
            for (JsonNode item : api("GET", kind[0])) {
                if (item.get("name").asText().startsWith("Console ")) {
                    assertThat(status("DELETE", kind[0] + "/" + item.get(kind[1]).asText())).isBetween(200, 299);
                }
            }
        }
    }

    static JsonNode policyNamed(String name) throws Exception {
        for (JsonNode policy : api("GET", "policies")) {
            if (policy.get("name").asText().equals(name)) {
                return policy;
            }
        }
        return null;
    }

    // --- the browser ------------------------------------------------------------------------------------------------

    static void signIn(String username) throws IOException {
        // Whoever was signed in before (a journey that ended early) is forgotten: the console's and the provider's
        // cookies (one host, 127.0.0.1) and the tab's chosen account.
        browser.get(CONSOLE + "/signed-out.html");
        browser.executeCdpCommand("Network.clearBrowserCookies", Map.of());
        browser.executeScript("sessionStorage.clear()");
        browser.get(CONSOLE + "/");
        waitFor(ExpectedConditions.presenceOfElementLocated(By.id("username")));
        assertThat(browser.getCurrentUrl()).startsWith("http://127.0.0.1:18110/realms/parapet/");
        browser.findElement(By.id("username")).sendKeys(username);
        browser.findElement(By.id("password")).sendKeys(Files.readString(JourneyStack.data.resolve("identity").resolve("admin-password")).strip());
        browser.findElement(By.id("kc-login")).click();
        // A consent page, if the provider shows one for the console.
        waitFor(driver -> driver.getCurrentUrl().startsWith(CONSOLE) || !driver.findElements(By.name("accept")).isEmpty());
        if (!browser.getCurrentUrl().startsWith(CONSOLE)) {
            browser.findElement(By.name("accept")).click();
        }
        waitFor(driver -> driver.getCurrentUrl().startsWith(CONSOLE + "/"));
        waitFor(driver -> !driver.findElements(By.id("who")).isEmpty() || driver.getCurrentUrl().contains("sign-in-failed"));
        if (browser.getCurrentUrl().contains("sign-in-failed")) {
            // The console could not complete this sign-in (its log says why) and offers another, as a person would take it:
            // the provider still knows them, so no form this time.
            System.out.println("ConsoleBrowserTest: a sign-in as " + username + " did not complete; signing in again as the page offers");
            browser.findElement(By.linkText("Sign in again")).click();
        }
        try {
            waitFor(ExpectedConditions.presenceOfElementLocated(By.id("who")));
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("Signed in as " + username + ", the browser is at " + browser.getCurrentUrl() + " showing: "
                    + browser.findElement(By.tagName("body")).getText(), e);
        }
    }

    static void signOut() {
        browser.findElement(By.cssSelector("#sign-out button")).click();
        waitFor(ExpectedConditions.urlContains("/signed-out.html"));
    }

    static void waitFor(java.util.function.Function<org.openqa.selenium.WebDriver, ?> condition) {
        // A page that reloads (the sign-in's last redirect, an account switch) replaces the elements being read.
        new WebDriverWait(browser, WAIT).ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(condition);
    }

    static void screenshot(String name) throws IOException {
        Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, screenshots.resolve("console-" + name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    /** axe-core's WCAG 2 A and AA rules in this browser: no serious or critical violation on the page as it is. */
    static void assertAccessible(String page) throws IOException {
        String axe;
        try (InputStream in = ConsoleBrowserTest.class.getResourceAsStream("/META-INF/resources/webjars/axe-core/4.6.3/axe.min.js")) {
            assertThat(in).as("axe-core's WebJar").isNotNull();
            axe = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        browser.executeScript(axe);
        Object violations = browser.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})
                   .then(result => done(result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                       .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', '))))
                   .catch(error => done(['axe failed: ' + error]));
                """);
        assertThat((List<?>) violations).as("serious or critical accessibility violations on " + page).isEmpty();
    }

    // --- the services' own API --------------------------------------------------------------------------------------

    static JsonNode api(String method, String path) throws Exception {
        HttpResponse<String> response = send(method, path);
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isBetween(200, 299);
        return JSON.readTree(response.body());
    }

    static int status(String method, String path) throws Exception {
        return send(method, path).statusCode();
    }

    private static HttpResponse<String> send(String method, String path) throws Exception {
        String service = path.startsWith("key") || path.startsWith("agents") ? "http://127.0.0.1:18101"
                : path.startsWith("diagnostics") ? "http://127.0.0.1:18104" : "http://127.0.0.1:18102";
        return HTTP.send(HttpRequest.newBuilder(URI.create(service + "/api/v1/accounts/" + JourneyStack.account + "/" + path))
                .header("Authorization", "Bearer " + JourneyStack.freshToken()).method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
