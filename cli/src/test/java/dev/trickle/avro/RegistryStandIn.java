package dev.trickle.avro;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An in-memory stand-in for an Apicurio Registry 2.x server, for tests: no registry server can be had on the
 * machines this project is built on. It implements the part of the v2 REST API ({@code /apis/registry/v2})
 * that Apicurio's serdes and Connect converter call (2.6.x client, read from its source): create an artifact
 * or a version of it ({@code POST /groups/{g}/artifacts} with {@code ifExists}, raw or
 * {@code application/create.extended+json} body), look a version up by content, artifact and version
 * metadata, the list of versions, and the content and references by contentId, globalId and content hash. Content is deduplicated
 * the way the real registry does it (same text, same contentId), so contentIds are stable across versions.
 * A request for anything else answers 501 naming the path, so that a client calling more shows up in a test
 * at once. {@link #requests()} lists what was called.
 */
public final class RegistryStandIn implements AutoCloseable {
    private static final String BASE = "/apis/registry/v2";
    private static final Pattern ARTIFACTS = Pattern.compile(BASE + "/groups/([^/]+)/artifacts");
    private static final Pattern ARTIFACT = Pattern.compile(BASE + "/groups/([^/]+)/artifacts/([^/]+)(/meta)?");
    private static final Pattern VERSIONS = Pattern.compile(BASE + "/groups/([^/]+)/artifacts/([^/]+)/versions");
    private static final Pattern VERSION_META =
            Pattern.compile(BASE + "/groups/([^/]+)/artifacts/([^/]+)/versions/([^/]+)(/meta)?");
    private static final Pattern BY_ID =
            Pattern.compile(BASE + "/ids/(contentIds|globalIds|contentHashes)/([^/]+)(/references)?");

    private final ObjectMapper json = new ObjectMapper();
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> contents = new ArrayList<>();
    private final Map<String, List<Version>> artifacts = new LinkedHashMap<>();
    private final Map<Long, Version> byGlobalId = new HashMap<>();

    /** One version of an artifact; contentId indexes {@link #contents} from 1. */
    private record Version(String group, String artifactId, String version, String type, long globalId,
                           long contentId) { }

    /** An error the real registry answers with the same status. */
    private static final class RegistryError extends RuntimeException {
        final int status;

        RegistryError(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private RegistryStandIn() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** Starts a stand-in on an ephemeral loopback port. */
    public static RegistryStandIn start() throws IOException {
        return new RegistryStandIn();
    }

    /** The value for {@code apicurio.registry.url}. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + BASE;
    }

    /** Every request so far, as {@code METHOD path?query}. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        String query = ex.getRequestURI().getRawQuery();
        requests.add(ex.getRequestMethod() + " " + path + (query == null ? "" : "?" + query));
        try (ex) {
            int status = 200;
            byte[] out;
            try {
                byte[] body = ex.getRequestBody().readAllBytes();
                Object answer;
                synchronized (this) {
                    answer = route(ex.getRequestMethod(), path, params(query),
                            ex.getRequestHeaders().getFirst("Content-Type"),
                            ex.getRequestHeaders().getFirst("X-Registry-ArtifactId"),
                            ex.getRequestHeaders().getFirst("X-Registry-ArtifactType"), body);
                }
                out = answer instanceof String text ? text.getBytes(StandardCharsets.UTF_8) : json.writeValueAsBytes(answer);
            } catch (RegistryError e) {
                status = e.status;
                ObjectNode err = json.createObjectNode();
                err.put("error_code", e.status);
                err.put("message", e.getMessage());
                err.put("name", e.status == 404 ? "ArtifactNotFoundException" : "RegistryException");
                out = json.writeValueAsBytes(err);
            }
            send(ex, status, "application/json", out);
        }
    }

    private Object route(String method, String path, Map<String, String> params, String contentType,
                         String artifactId, String artifactType, byte[] body) throws IOException {
        Matcher m;
        if ((m = BY_ID.matcher(path)).matches() && method.equals("GET")) {
            Version v = lookup(m.group(1), decode(m.group(2)));
            return m.group(3) != null ? List.of() : content((int) v.contentId());
        }
        if ((m = ARTIFACTS.matcher(path)).matches() && method.equals("POST")) {
            return meta(create(decode(m.group(1)), artifactId, artifactType, params.getOrDefault("ifExists", "FAIL"),
                    text(contentType, body)));
        }
        if ((m = VERSIONS.matcher(path)).matches() && method.equals("GET")) {
            List<Version> versions = versions(decode(m.group(1)), decode(m.group(2)));
            ObjectNode list = json.createObjectNode();
            list.put("count", versions.size());
            versions.forEach(v -> list.withArray("versions").add(meta(v)));
            return list;
        }
        if ((m = VERSION_META.matcher(path)).matches() && method.equals("GET")) {
            Version v = version(decode(m.group(1)), decode(m.group(2)), decode(m.group(3)));
            return m.group(4) != null ? meta(v) : content((int) v.contentId());
        }
        if ((m = ARTIFACT.matcher(path)).matches()) {
            String id = decode(m.group(2));
            List<Version> versions = versions(decode(m.group(1)), id);
            if (m.group(3) != null && method.equals("POST")) {
                String text = text(contentType, body);
                return meta(versions.stream().filter(v -> content((int) v.contentId()).equals(text)).reduce((a, b) -> b)
                        .orElseThrow(() -> new RegistryError(404, "no version of " + id + " has this content")));
            }
            if (method.equals("GET")) {
                Version latest = versions.get(versions.size() - 1);
                return m.group(3) != null ? meta(latest) : content((int) latest.contentId());
            }
        }
        throw new RegistryError(501, "the registry stand-in does not implement " + method + " " + path
                + " (add it to " + RegistryStandIn.class.getName() + ")");
    }

    /** Creates an artifact, or a version of it, following {@code ifExists} as the 2.x server does. */
    private Version create(String group, String artifactId, String type, String ifExists, String text) {
        if (artifactId == null) {
            throw new RegistryError(400, "the stand-in needs X-Registry-ArtifactId");
        }
        List<Version> versions = artifacts.computeIfAbsent(group + "/" + artifactId, k -> new ArrayList<>());
        if (!versions.isEmpty()) {
            Version latest = versions.get(versions.size() - 1);
            switch (ifExists) {
                case "FAIL" -> throw new RegistryError(409, "artifact " + artifactId + " exists");
                case "RETURN" -> {
                    return latest;
                }
                case "RETURN_OR_UPDATE" -> {
                    for (Version v : versions) {
                        if (content((int) v.contentId()).equals(text)) {
                            return v;
                        }
                    }
                }
                case "UPDATE" -> { }
                default -> throw new RegistryError(400, "unknown ifExists " + ifExists);
            }
        }
        int contentId = contents.indexOf(text) + 1;
        if (contentId == 0) {
            contents.add(text);
            contentId = contents.size();
        }
        Version v = new Version(group, artifactId, String.valueOf(versions.size() + 1), type == null ? "AVRO" : type,
                byGlobalId.size() + 1L, contentId);
        versions.add(v);
        byGlobalId.put(v.globalId(), v);
        return v;
    }

    private Version lookup(String kind, String id) {
        for (Version v : byGlobalId.values()) {
            boolean hit = switch (kind) {
                case "globalIds" -> Long.toString(v.globalId()).equals(id);
                case "contentIds" -> Long.toString(v.contentId()).equals(id);
                default -> sha256(content((int) v.contentId())).equals(id);
            };
            if (hit) {
                return v;
            }
        }
        throw new RegistryError(404, "no content with " + kind + " " + id);
    }

    private List<Version> versions(String group, String artifactId) {
        List<Version> versions = artifacts.get(group + "/" + artifactId);
        if (versions == null || versions.isEmpty()) {
            throw new RegistryError(404, "no artifact " + artifactId + " in group " + group);
        }
        return versions;
    }

    private Version version(String group, String artifactId, String version) {
        List<Version> versions = versions(group, artifactId);
        if (version.equals("latest")) {
            return versions.get(versions.size() - 1);
        }
        return versions.stream().filter(v -> v.version().equals(version)).findFirst()
                .orElseThrow(() -> new RegistryError(404, "no version " + version + " of " + artifactId));
    }

    private ObjectNode meta(Version v) {
        ObjectNode n = json.createObjectNode();
        n.put("groupId", v.group());
        n.put("id", v.artifactId());
        n.put("version", v.version());
        n.put("type", v.type());
        n.put("globalId", v.globalId());
        n.put("contentId", v.contentId());
        n.put("state", "ENABLED");
        return n;
    }

    private String content(int contentId) {
        if (contentId < 1 || contentId > contents.size()) {
            throw new RegistryError(404, "no content with id " + contentId);
        }
        return contents.get(contentId - 1);
    }

    /** The schema text of a create or search body: raw, or the {@code content} of an extended JSON body. */
    private String text(String contentType, byte[] body) throws IOException {
        String raw = new String(body, StandardCharsets.UTF_8);
        if (contentType != null && contentType.contains("extended")) {
            JsonNode node = json.readTree(raw);
            if (node.path("references").size() > 0) {
                throw new RegistryError(501, "the registry stand-in does not keep artifact references");
            }
            return node.path("content").asText();
        }
        return raw;
    }

    private static Map<String, String> params(String query) {
        Map<String, String> out = new HashMap<>();
        if (query != null) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                out.put(decode(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? "" : decode(pair.substring(eq + 1)));
            }
        }
        return out;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
