package dev.trickle.avro;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trickle.cli.ConfigFiles;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** What the tests ask a registry (the stand-in or a real Apicurio Registry 2.x) through its v2 REST API. */
public final class RegistryClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String url;

    public RegistryClient(String url) {
        this.url = url;
    }

    /**
     * The settings of Apicurio's converter that config/avro/streams-app.properties ships ({@code value.converter.*},
     * the same as the key's), pointing at {@code registryUrl}: what the tests configure their converters with.
     */
    public static Map<String, Object> shippedConverterConfig(String registryUrl) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(ConfigFiles.locate(null, "avro").read(ConfigFiles.STREAMS_APP)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (String k : p.stringPropertyNames()) {
            if (k.startsWith("value.converter.")) {
                out.put(k.substring("value.converter.".length()), p.getProperty(k).replace("${registry.url}", registryUrl));
            }
        }
        return out;
    }

    /** The schema text stored under a contentId: the id that Confluent-framed records carry after the magic byte. */
    public String content(long contentId) {
        return get(url + "/ids/contentIds/" + contentId);
    }

    /** How many versions an artifact of the default group has ({@code <topic>-key} / {@code <topic>-value}). */
    public int versionCount(String artifactId) {
        try {
            return JSON.readTree(get(url + "/groups/default/artifacts/"
                    + URLEncoder.encode(artifactId, StandardCharsets.UTF_8) + "/versions")).path("count").asInt();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** GETs a URL and returns the body; anything but 200 is an assertion-worthy failure. */
    public String get(String address) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(address))
                    .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("GET " + address + " answered " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
