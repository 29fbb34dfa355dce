package dev.trickle.cli;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.storage.Converter;

/**
 * Where {@code trickle tail} reads and how: the broker, the catalog's PostgreSQL, the topic prefix and the value
 * converter, taken as the pipeline has them. From a streams app properties file ({@code --config}: the local
 * stack writes its own as {@code <work dir>/streams-app.properties}, with every placeholder filled), else from the
 * shipped templates of a converter ({@code config/streams-app.properties}, {@code config/avro/...} with
 * {@code --registry-url}); options given on the command line win over the file.
 */
record TailSettings(String bootstrap, String pgUrl, String pgUser, String pgPassword, String prefix,
                    Map<String, String> converter) {

    private static final String VALUE_CONVERTER = "value.converter";

    /** The settings of a streams app properties file; placeholders left in it count as not set. */
    static TailSettings fromFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read --config " + file + " (" + e.getMessage() + "): give the "
                    + "streams app's properties file, e.g. the local stack's <work dir>/streams-app.properties", e);
        }
        Properties p = load(text, file.toString());
        if (p.getProperty(VALUE_CONVERTER) == null) {
            throw new IllegalArgumentException("--config " + file + " has no value.converter: give the streams app's "
                    + "properties file (config/streams-app.properties, or the local stack's <work dir>/streams-app.properties)");
        }
        return new TailSettings(filled(p, "bootstrap.servers"), filled(p, "trickle.pg.url"), filled(p, "trickle.pg.user"),
                filled(p, "trickle.pg.password"), filled(p, "trickle.topic.prefix"), converterSettings(p));
    }

    /** The converter settings of the shipped templates of {@code converter} (json, avro). */
    static TailSettings fromTemplates(Path configDir, String converter, String registryUrl) {
        if (!ConfigFiles.CONVERTERS.contains(converter)) {
            throw new IllegalArgumentException("--converter " + converter + ": use one of " + ConfigFiles.CONVERTERS);
        }
        ConfigFiles files = ConfigFiles.locate(configDir, converter);
        String text = files.read(ConfigFiles.STREAMS_APP);
        if (text.contains("${registry.url}")) {
            if (registryUrl == null) {
                throw new IllegalArgumentException("--converter " + converter + " needs --registry-url URL (the schema "
                        + "registry the pipeline uses, e.g. http://HOST:PORT/apis/registry/v2), or --config with the "
                        + "stack's streams-app.properties");
            }
            text = text.replace("${registry.url}", registryUrl.replace("\\", "\\\\"));
        }
        Properties p = load(text, files.origin() + "/" + ConfigFiles.STREAMS_APP);
        return new TailSettings(null, null, null, null, null, converterSettings(p));
    }

    /** These settings with the command line's values where it gives one. */
    TailSettings with(String bootstrap, String pgUrl, String pgUser, String pgPassword, String prefix) {
        return new TailSettings(bootstrap != null ? bootstrap : this.bootstrap, pgUrl != null ? pgUrl : this.pgUrl,
                pgUser != null ? pgUser : this.pgUser, pgPassword != null ? pgPassword : this.pgPassword,
                prefix != null ? prefix : this.prefix == null ? "trickle" : this.prefix, converter);
    }

    /** The value converter, configured as a Connect worker configures it from value.converter.*. */
    Converter valueConverter() {
        Map<String, String> c = new TreeMap<>(converter);
        String className = c.remove(VALUE_CONVERTER);
        Converter v;
        try {
            v = Utils.newInstance(className, Converter.class);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("value.converter " + className + " is not on the CLI's class path", e);
        }
        Map<String, String> own = new TreeMap<>();
        c.forEach((k, val) -> own.put(k.substring(VALUE_CONVERTER.length() + 1), val));
        v.configure(own, false);
        return v;
    }

    private static Map<String, String> converterSettings(Properties p) {
        Map<String, String> out = new TreeMap<>();
        for (String k : p.stringPropertyNames()) {
            if (k.equals(VALUE_CONVERTER) || k.startsWith(VALUE_CONVERTER + ".")) {
                if (p.getProperty(k).contains("${")) {
                    throw new IllegalArgumentException(k + " has a placeholder (" + p.getProperty(k) + "): give the "
                            + "value (e.g. --registry-url) or the local stack's own <work dir>/streams-app.properties");
                }
                out.put(k, p.getProperty(k));
            }
        }
        return out;
    }

    private static String filled(Properties p, String key) {
        String v = p.getProperty(key);
        return v == null || v.isBlank() || v.contains("${") ? null : v.trim();
    }

    private static Properties load(String text, String where) {
        Properties p = new Properties();
        try (Reader r = new StringReader(text)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            throw new UncheckedIOException(new IOException("cannot read " + where + " as properties: " + e.getMessage(), e));
        }
        return p;
    }

    @Override
    public String toString() {
        // never the password
        return "TailSettings[bootstrap=" + bootstrap + ", pg=" + pgUrl + ", prefix=" + prefix + ", converter="
                + converter.get(VALUE_CONVERTER) + "]";
    }
}
