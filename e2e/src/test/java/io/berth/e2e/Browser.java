package io.berth.e2e;

import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;

/**
 * Debian's headless Chromium driven by its chromedriver (both from apt; Selenium never downloads a browser or a
 * driver: the paths are given). One fresh profile per browser; screenshots go to {@code docs/screenshots/}.
 */
public final class Browser implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    final ChromeDriver driver;
    private final Path profile;

    public static boolean available() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    }

    /** {@code spki}: base64 SHA-256 of the server certificate's public key, trusted like a real certificate (else
     * Chromium would not cache anything from the self-signed test server). */
    public Browser(int width, int height, String spki) {
        try {
            profile = Files.createTempDirectory("berth-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--window-size=" + width + "," + height,
                "--lang=en-US", "--ignore-certificate-errors-spki-list=" + spki);
        // the test server has a self-signed certificate
        o.setAcceptInsecureCerts(true);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        o.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService svc = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().withLogOutput(java.io.OutputStream.nullOutputStream()).build();
        driver = new ChromeDriver(svc, o);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    }

    public WebDriver driver() { return driver; }

    public void open(String url) { driver.get(url); }

    public WebElement await(By by) { return await(by, Duration.ofSeconds(20)); }

    public WebElement await(By by, Duration d) {
        return new WebDriverWait(driver, d).until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    /** In the DOM, visible or not (e.g. the tree behind the menu button on a phone). */
    public WebElement present(By by) {
        return new WebDriverWait(driver, Duration.ofSeconds(20)).until(ExpectedConditions.presenceOfElementLocated(by));
    }

    public WebElement clickable(By by) {
        return new WebDriverWait(driver, Duration.ofSeconds(20)).until(ExpectedConditions.elementToBeClickable(by));
    }

    /** Finds and clicks in one step of the wait: a view re-rendered between the two gives a stale element, found again. */
    public void click(By by) {
        new WebDriverWait(driver, Duration.ofSeconds(20)).ignoring(StaleElementReferenceException.class).until(d -> {
            WebElement e = ExpectedConditions.elementToBeClickable(by).apply(d);
            if (e == null) return false;
            e.click();
            return true;
        });
    }

    public void awaitText(By by, String text, Duration d) {
        new WebDriverWait(driver, d).until(ExpectedConditions.textToBePresentInElementLocated(by, text));
    }

    public void awaitGone(By by, Duration d) {
        new WebDriverWait(driver, d).until(ExpectedConditions.invisibilityOfElementLocated(by));
    }

    public void type(By by, String text) {
        WebElement e = await(by);
        e.clear();
        e.sendKeys(text);
    }

    public Object js(String script, Object... args) { return ((JavascriptExecutor) driver).executeScript(script, args); }

    public List<LogEntry> consoleLog() { return driver.manage().logs().get(LogType.BROWSER).getAll(); }

    /** Saves a PNG under docs/screenshots/ (the repository's, found from the module directory). */
    public Path screenshot(String name) {
        Path dir = docsDir().resolve("screenshots");
        try {
            Files.createDirectories(dir);
            File f = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
            Path dst = dir.resolve(name + ".png");
            Files.copy(f.toPath(), dst, StandardCopyOption.REPLACE_EXISTING);
            return dst;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path docsDir() {
        Path p = Path.of("").toAbsolutePath();
        // surefire runs in the module directory (web/); docs/ is beside it
        return Files.isDirectory(p.resolveSibling("docs")) ? p.resolveSibling("docs") : p.resolve("docs");
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (var s = Files.walk(profile)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
            } catch (IOException ignored) {
                // a leftover temp profile is harmless
            }
        }
    }
}
